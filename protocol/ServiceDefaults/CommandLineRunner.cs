using System.CommandLine;
using Microsoft.Extensions.Options;

namespace Atlas.Hosting;

/// <summary>The exit codes of both executables (docs/operations.md, "Command line").</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The operation failed or was refused (a missing file, a bad row, a peer that failed, a refusal by the state).</summary>
    public const int Failed = 1;
    /// <summary>The command line or the configuration is wrong: unknown command or option, a missing or malformed value, an invalid setting.</summary>
    public const int Usage = 2;
}

/// <summary>The command line or the configuration is wrong: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A refused or failed operation: exit code 1.</summary>
public sealed class CommandFailedException(string message) : Exception(message);

/// <summary>One convention for both executables: System.CommandLine parses; <c>help</c>, <c>--help</c> and
/// <c>-h</c> print the help on stdout; every error is one line <c>error: …</c> on stderr and an exit code from
/// <see cref="ExitCodes"/>.</summary>
public static class CommandLineRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args, Func<Exception, bool> isOperationalError)
    {
        if (args is ["help", .. var rest])
        {
            args = [.. rest, "--help"];
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            // An unknown word explains the other errors ("keys explode": no subcommand given), so it goes first.
            var error = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) ?? parse.Errors[0];
            return Fail(error.Message + " Run with --help for the usage.", ExitCodes.Usage);
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            return Fail(e.Message, ExitCodes.Usage);
        }
        catch (OptionsValidationException e)
        {
            return InvalidConfiguration(e);
        }
        catch (Exception e) when (e is CommandFailedException || isOperationalError(e))
        {
            return Fail(e.Message, ExitCodes.Failed);
        }
    }

    /// <summary>A configuration mistake is an operator error, not a crash: one line naming the setting.</summary>
    public static int InvalidConfiguration(OptionsValidationException e) =>
        Fail("invalid configuration: " + string.Join(" ", e.Failures), ExitCodes.Usage);

    public static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine("error: " + message.Split('\n')[0].TrimEnd('\r'));
        return exitCode;
    }

    /// <summary>Splits configuration overrides (<c>--Section:Key value</c>, <c>--Section:Key=value</c>,
    /// <c>--Section__Key value</c>) from the command line, for the host's configuration.</summary>
    public static (string[] Command, string[] Configuration) SplitConfiguration(string[] args)
    {
        var command = new List<string>();
        var configuration = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && (a.Contains(':', StringComparison.Ordinal) || a.Contains("__", StringComparison.Ordinal)))
            {
                configuration.Add(a);
                if (!a.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    configuration.Add(args[++i]);
                }
            }
            else
            {
                command.Add(a);
            }
        }
        return ([.. command], [.. configuration]);
    }
}
