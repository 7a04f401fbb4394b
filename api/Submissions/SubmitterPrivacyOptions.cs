using System.ComponentModel.DataAnnotations;

namespace Atlas.Api.Submissions;

/// <summary>Section "SubmitterPrivacy": how long a submitter's email and note outlive the editors' decision.</summary>
public sealed class SubmitterPrivacyOptions
{
    public const string Section = "SubmitterPrivacy";

    /// <summary>Days after approval or rejection until the submitter email and note are deleted.</summary>
    [Range(1, 3650)]
    public int RetainDays { get; set; } = 30;

    /// <summary>How often the worker looks (it also looks once at start).</summary>
    [Range(1, 1440)]
    public int CheckMinutes { get; set; } = 60;
}
