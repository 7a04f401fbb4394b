using System.CommandLine;
using Atlas.Api.Data;
using Atlas.Api.Signing;
using Atlas.Hosting;
using Atlas.Protocol.Signing;
using Atlas.Protocol.Verification;
using Microsoft.Data.Sqlite;

namespace Atlas.Api.Cli;

/// <summary><c>keys rotate-root</c>, <c>keys sign-request</c> and <c>keys import-signatures</c>: root changes signed
/// by a threshold of root keys held offline on different machines (docs/operations.md, "Root keys held offline").
/// The decisions are <see cref="RootCeremony"/>'s; this class reads and writes the files.</summary>
public static class KeyCeremonyCli
{
    public delegate void KeysChangeRunner(string? data, Func<KeyStore, SqliteConnection, SqliteTransaction, string, string> change);

    public static void AddTo(Command keys, Func<Option<string>> dataOption, KeysChangeRunner keysChange)
    {
        {
            var data = dataOption();
            var request = new Option<string>("--request") { Description = "Do not sign here: write a signing request for the root holders to FILE (roots held offline).", HelpName = "FILE" };
            var drop = new Option<string[]>("--drop") { Description = "With --request: a root to drop (repeatable).", HelpName = "KID", AllowMultipleArgumentsPerToken = false };
            var add = new Option<int?>("--add") { Description = "With --request: how many new root keys to generate into --keys-out.", HelpName = "N" };
            var threshold = new Option<int?>("--threshold") { Description = "With --request: the new threshold (default: unchanged).", HelpName = "T" };
            var keysOut = new Option<string>("--keys-out") { Description = "With --add: where to write the new root key files (rootN.key; move them offline).", HelpName = "KEYDIR" };
            var rotate = new Command("rotate-root", "Replace the root key(s). Online (roots in DATA/keys): the new keyset is signed by the old and the new root. With --request: writes what the offline roots must sign.")
                { request, drop, add, threshold, keysOut, data };
            rotate.SetAction(p =>
            {
                var drops = p.GetValue(drop) ?? [];
                var adds = p.GetValue(add);
                var t = p.GetValue(threshold);
                var outDir = p.GetValue(keysOut);
                if (p.GetValue(request) is not { } file)
                {
                    if (drops.Length > 0 || adds is not null || t is not null || outDir is not null)
                    {
                        throw new UsageException("--drop, --add, --threshold and --keys-out go with --request FILE.");
                    }
                    keysChange(p.GetValue(data), (k, conn, tx, _) =>
                    {
                        var root = k.RotateRoot(conn, tx, NodeIdentity.Load(conn, tx).NodeId);
                        Audit.Write(conn, tx, k.Store.Now(), "cli", "keys.rotate-root", root);
                        return $"new root key {root}; keyset version {KeyStore.LatestKeyset(conn, tx).Version}. Tell indexers the new root kid for fresh pins.";
                    });
                    return;
                }
                if (adds is < 0 or > 16)
                {
                    throw new UsageException("--add is 0–16.");
                }
                if (adds > 0 && outDir is null)
                {
                    throw new UsageException("--add needs --keys-out KEYDIR for the new root key files.");
                }
                if (File.Exists(file))
                {
                    throw new CliException($"{file} exists; refusing to overwrite a signing request.");
                }
                keysChange(p.GetValue(data), (k, conn, tx, node) => Request(k, conn, tx, node, file, drops, adds ?? 0, t, outDir));
            });
            keys.Add(rotate);
        }
        {
            var file = new Argument<string>("REQUEST") { Description = "The signing request (from 'keys rotate-root --request')." };
            var key = new Option<string>("--key") { Description = "One root key file (rootN.key).", Required = true, HelpName = "FILE" };
            var output = new Option<string>("--out") { Description = "The signature file to write.", Required = true, HelpName = "FILE" };
            var sign = new Command("sign-request", "Sign a keyset signing request with one root key (on the holder's machine: needs no database).") { file, key, output };
            sign.SetAction(p => SignRequest(p.GetRequiredValue(file), p.GetRequiredValue(key), p.GetRequiredValue(output)));
            keys.Add(sign);
        }
        {
            var data = dataOption();
            var request = new Option<string>("--request") { Description = "The signing request the signatures are for.", Required = true, HelpName = "FILE" };
            var signatures = new Argument<string[]>("SIGNATURE") { Description = "Signature files from 'keys sign-request'.", Arity = ArgumentArity.OneOrMore };
            var import = new Command("import-signatures", "Publish the requested keyset version once a threshold of the old and the new roots signed it.") { request, signatures, data };
            import.SetAction(p =>
            {
                var requestFile = p.GetRequiredValue(request);
                var req = RootCeremony.ReadRequest(File.ReadAllBytes(requestFile), requestFile);
                var sigs = p.GetRequiredValue(signatures).Select(f => (f, RootCeremony.ReadSignature(File.ReadAllBytes(f), f))).ToList();
                keysChange(p.GetValue(data), (k, conn, tx, node) =>
                {
                    var current = TrustedKeyset.Restore(KeyStore.LatestKeyset(conn, tx).Jws);
                    var jws = RootCeremony.Assemble(req, sigs, current, k.Store.Time.GetUtcNow());
                    k.ImportKeyset(conn, tx, jws);
                    var signers = string.Join(", ", sigs.Select(s => s.Item2.Kid));
                    Audit.Write(conn, tx, k.Store.Now(), "cli", "keys.import-signatures", req.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), $"signed by {signers}");
                    return $"published keyset version {req.Version} (hash {req.PayloadHash}) signed by {sigs.Count} root(s): {signers}. A running node serves it at once.";
                });
            });
            keys.Add(import);
        }
    }

    private static string Request(KeyStore k, SqliteConnection conn, SqliteTransaction tx, string node, string file, string[] drop, int add, int? threshold, string? keysOut)
    {
        // Checked with throwaway keys first, so no key file is written for a change that is refused.
        k.ProposeRootChange(conn, tx, node, drop, [.. Enumerable.Range(0, add).Select(_ => AtlasKey.Generate())], threshold);
        var written = add > 0 ? KeyStore.WriteRootKeyFiles(keysOut!, add, FirstFreeNumber(keysOut!)) : [];
        var (payload, current) = k.ProposeRootChange(conn, tx, node, drop, [.. written.Select(w => w.Key)], threshold);
        var request = RootCeremony.CreateRequest(payload, current);
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
        {
            System.Text.Json.JsonSerializer.Serialize(stream, request, CeremonyJsonContext.Default.KeysetSigningRequest);
        }
        var lines = new List<string>
        {
            $"wrote {Path.GetFullPath(file)}: {RootCeremony.Describe(request, payload)}",
            $"needs {current.Threshold} signature(s) by version {current.Version}'s roots ({string.Join(", ", current.Roots.Select(r => r.Kid))}) and {payload.Threshold} by version {payload.Version}'s roots; then 'keys import-signatures --request {file} SIG…'.",
        };
        lines.AddRange(written.Select(w => $"new root-kid: {w.Key.Kid} {w.File}"));
        return string.Join(Environment.NewLine, lines);
    }

    private static int FirstFreeNumber(string dir)
    {
        var n = 1;
        while (File.Exists(Path.Combine(dir, $"root{n}.key")))
        {
            n++;
        }
        return n;
    }

    private static void SignRequest(string file, string keyFile, string output)
    {
        var request = RootCeremony.ReadRequest(File.ReadAllBytes(file), file);
        AtlasKey key;
        try
        {
            key = AtlasKey.FromPrivatePem(File.ReadAllText(keyFile));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException($"{keyFile}: not a P-256 private key in PEM ({e.Message.TrimEnd('.')}).");
        }
        using (key)
        {
            var payload = RootCeremony.Open(request);
            var signature = RootCeremony.Sign(request, key);
            using (var stream = new FileStream(output, FileMode.CreateNew, FileAccess.Write))
            {
                System.Text.Json.JsonSerializer.Serialize(stream, signature, CeremonyJsonContext.Default.KeysetRequestSignature);
            }
            Console.Out.WriteLine($"signed {RootCeremony.Describe(request, payload)}");
            Console.Out.WriteLine($"as root {key.Kid}; wrote {Path.GetFullPath(output)}");
        }
    }
}
