namespace Atlas.Hosting;

/// <summary>The setting names a file that exists, or with <see cref="InDirectory"/> a directory that holds that
/// file. An empty value passes (optional settings; use [Required] for mandatory ones).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ExistingFileAttribute(string errorMessage) : SettingAttribute(errorMessage)
{
    public string? InDirectory { get; init; }

    protected override bool IsValidValue(string value) =>
        string.IsNullOrWhiteSpace(value) || File.Exists(InDirectory is null ? value : Path.Combine(value, InDirectory));
}
