namespace Atlas.Hosting;

/// <summary>An absolute http(s) URL (or each entry of a list).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute(string errorMessage) : SettingAttribute(errorMessage)
{
    protected override bool IsValidValue(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";
}
