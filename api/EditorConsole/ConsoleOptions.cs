using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Atlas.Api.EditorConsole;

/// <summary>Section "Console" (env: Console__Origin, Console__IdleMinutes, …): the editors' console and its
/// passkey sign-in.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The origin browsers open the console at (scheme://host[:port]), e.g. <c>https://berlin.example.org</c>.
    /// Empty = the node's base URL, with 127.0.0.1 and [::1] written as <c>localhost</c> (WebAuthn refuses IP addresses).</summary>
    public string Origin { get; set; } = "";

    /// <summary>WebAuthn relying-party id (a registrable domain, e.g. <c>example.org</c>). Empty = the origin's host.
    /// Passkeys are bound to it: changing it later makes every enrolled passkey useless.</summary>
    public string RpId { get; set; } = "";

    /// <summary>A session unused this long is gone (the next request gets 401).</summary>
    [Range(1, 1440)]
    public int IdleMinutes { get; set; } = 30;

    /// <summary>A session ends this long after sign-in however busy it is.</summary>
    [Range(1, 168)]
    public int SessionHours { get; set; } = 12;

    /// <summary>How long a one-time enrolment link stays usable.</summary>
    [Range(1, 720)]
    public int EnrolmentHours { get; set; } = 72;

    public static IEnumerable<string> Problems(ConsoleOptions o)
    {
        if (o.Origin.Length > 0 && ConsoleSite.ParseOrigin(o.Origin) is null)
        {
            yield return $"Console:Origin '{o.Origin}' is not an origin like https://node.example.org (scheme, host and port only).";
        }
        if (o.RpId.Length > 0 && (o.RpId.Contains('/', StringComparison.Ordinal) || o.RpId.Contains(':', StringComparison.Ordinal) || System.Net.IPAddress.TryParse(o.RpId, out _)))
        {
            yield return $"Console:RpId '{o.RpId}' is not a domain name (no scheme, port, path or IP address).";
        }
    }
}

public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var problems = ConsoleOptions.Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
