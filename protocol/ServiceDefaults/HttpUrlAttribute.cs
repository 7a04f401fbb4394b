namespace Atlas.Hosting;

/// <summary>An absolute http(s) URL (or each entry of a list).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute(string errorMessage) : SettingAttribute(errorMessage)
{
    /// <summary>Blank entries pass (they are ignored by the setting's reader).</summary>
    public bool AllowBlank { get; init; }

    protected override bool IsValidValue(string value) =>
        (AllowBlank && string.IsNullOrWhiteSpace(value))
        || (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var u) && u.Scheme is "http" or "https");
}
