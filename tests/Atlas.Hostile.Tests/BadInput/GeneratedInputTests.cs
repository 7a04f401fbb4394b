using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Atlas.Hostile.Tests.BadInput;

/// <summary>One running node, with a published listing and a pending submission to aim at.</summary>
public sealed class FuzzNode : IAsyncLifetime
{
    public HostileNode Node { get; private set; } = null!;

    public string ListingId { get; private set; } = "";

    public long SubmissionId { get; private set; }

    public async Task InitializeAsync()
    {
        Node = await HostileNode.CreateAsync("fuzz");
        ListingId = await Node.PublishAsync(Orgs.Make("Fuzz target"));
        var sub = await Node.JsonAsync(HttpMethod.Post, "/api/submissions", json: new { organisation = Orgs.Make("Pending fuzz target") }, expect: HttpStatusCode.Accepted);
        SubmissionId = sub.GetProperty("id").GetInt64();
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>
/// FsCheck properties against every public endpoint of a running node and the admin endpoints with a valid token:
/// whatever arrives, the answer is never a 5xx; every error is application/problem+json with a status and a title and
/// no stack trace; a refused request changes no row (submissions, listings, versions, tokens, audit).
/// </summary>
public sealed class GeneratedInputTests(FuzzNode fixture) : IClassFixture<FuzzNode>
{
    private const int Runs = 120;

    private const string ValidOrg = """{"name":{"en":"Fuzzed","ru":"Фазз"},"description":{"en":"x"},"focus":["legal-aid"],"languages":["ru"],"locations":[{"kind":"physical","city":"Berlin","country":"DE"}],"contacts":[{"kind":"email","value":"a@example.org","visibility":"public","press":false}],"website":"https://example.org"}""";

    private HostileNode Node => fixture.Node;

    /// <summary>A valid JSON document damaged in one of many ways a client or an attacker might.</summary>
    private static Gen<string> Damaged(string valid)
    {
        var fragments = Gen.Elements(
            "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "1e999", "-0", "1.5", "99999999999999999999999", "\"\\ud800\"", "\"\\u0000\"",
            "\"name\":{\"en\":\"dup\"},", "\"admin\":true,", "\"<script>\"", "\"javascript:alert(1)\"", "\"\u202e\"", "\"" + new string('x', 6000) + "\"",
            "{\"a\":" + string.Concat(Enumerable.Repeat("[", 80)) + string.Concat(Enumerable.Repeat("]", 80)) + "}", "\"+7 900 000 00 00\"", "\"\uD83D\uDE00\"", "\t", "\u00a0");
        var replace = from i in Gen.Choose(0, valid.Length - 1)
                      from c in Gen.Elements('{', '}', '"', ',', ':', '0', 'a', '\\', ']', ' ', '\u0001', 'é')
                      select valid[..i] + c + valid[(i + 1)..];
        var insert = from i in Gen.Choose(0, valid.Length) from f in fragments select valid[..i] + f + valid[i..];
        var truncate = from i in Gen.Choose(0, valid.Length - 1) select valid[..i];
        var swapValue = from key in Gen.Elements("name", "focus", "languages", "locations", "contacts", "website", "description", "city", "country", "kind", "visibility")
                        from value in Gen.Elements("null", "1", "[]", "{}", "\"\"", "true", "\"" + new string('a', 300) + "\"", "[\"x\",\"x\"]", "{\"zz\":\"1\"}", "-1e308")
                        select SwapFirstValue(valid, key, value);
        var arbitrary = ArbMap.Default.GeneratorFor<string>().Select(s => s ?? "");
        return Gen.OneOf(replace, insert, truncate, swapValue, arbitrary);
    }

    private static string SwapFirstValue(string json, string key, string value)
    {
        var at = json.IndexOf($"\"{key}\":", StringComparison.Ordinal);
        if (at < 0)
        {
            return json;
        }

        var start = at + key.Length + 3;
        var depth = 0;
        var end = start;
        var inString = false;
        for (; end < json.Length; end++)
        {
            var c = json[end];
            if (inString)
            {
                if (c == '\\')
                {
                    end++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                break;
            }
        }

        return json[..start] + value + json[end..];
    }

    /// <summary>Sends synchronously (FsCheck properties are synchronous) and checks the answer's shape.</summary>
    private bool Holds(HttpMethod method, string path, string? body, string? token, string[] allowedOk, string contentType = "application/json")
    {
        var before = Node.TableCounts();
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = Node.Http.Send(request);
        using var reader = new StreamReader(response.Content.ReadAsStream());
        var text = reader.ReadToEnd();
        var status = (int)response.StatusCode;
        var what = $"{method} {path} {(body is null ? "" : Shorten(body))} → {status} {Shorten(text)}";
        Assert.True(status < 500, "server error: " + what);
        if (response.IsSuccessStatusCode)
        {
            Assert.True(allowedOk.Contains(method + " " + status) || allowedOk.Contains("*"), "unexpected success: " + what);
            return true;
        }

        if ((status == 400 && path.Contains("%00", StringComparison.Ordinal)) || status is 414 or 431)
        {
            // Kestrel refuses a NUL in the path or an oversized request line before the application runs: a bare
            // status line (docs/reliability.md lists this). Nothing reached the node.
            Assert.True(before == Node.TableCounts(), what);
            return true;
        }

        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", "not a problem: " + what);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.True(problem.GetProperty("status").GetInt32() == status, "problem status differs: " + what);
        Assert.True(problem.TryGetProperty("title", out var title) && title.GetString()!.Length > 0, "problem without a title: " + what);
        Assert.DoesNotContain("   at ", text);
        Assert.True(before == Node.TableCounts(), $"a refused request wrote something ({before} → {Node.TableCounts()}): " + what);
        return true;
    }

    private static string Shorten(string s) => s.Length <= 160 ? s : s[..160] + "…";

    [Property(MaxTest = Runs)]
    public Property Damaged_submissions_are_refused_cleanly_or_accepted_whole()
    {
        var body = Damaged("{\"organisation\":" + ValidOrg + ",\"submitter_email\":\"me@example.org\",\"note\":\"hi\"}");
        return Prop.ForAll(body.ToArbitrary(), b => Holds(HttpMethod.Post, "/api/submissions", b, null, ["POST 202"]));
    }

    [Property(MaxTest = Runs)]
    public Property Damaged_admin_bodies_with_a_valid_token_are_refused_cleanly_or_applied_whole()
    {
        var admin = Node.AdminToken;
        var target = Gen.Elements(
            (HttpMethod.Post, "/api/admin/organisations", ValidOrg),
            (HttpMethod.Put, $"/api/admin/organisations/{fixture.ListingId}", ValidOrg),
            (HttpMethod.Post, "/api/admin/tokens", """{"name":"fuzz","role":"editor"}"""),
            (HttpMethod.Post, "/api/admin/submissions/999999/reject", """{"reason":"no"}"""));
        var request = from t in target from b in Damaged(t.Item3) select (t.Item1, t.Item2, b);
        return Prop.ForAll(request.ToArbitrary(), r => Holds(r.Item1, r.Item2, r.b, admin, ["POST 200", "PUT 200", "POST 201"]));
    }

    private static Gen<string> Values() => Gen.OneOf(
        Gen.Elements("", "0", "-1", "1", "2147483648", "9223372036854775808", "-9223372036854775809", "1e3", "0x10", "abc", "%00", "%FF", "%", "%E2%80%AE", "Berlin",
            "%D0%91%D0%B5%D1%80%D0%BB%D0%B8%D0%BD", "legal-aid", "ru", "%27%20OR%201%3D1--", "%3Cscript%3E", new string('a', 3000), "null", "[]", "00000000-0000-0000-0000-000000000000"),
        ArbMap.Default.GeneratorFor<string>().Select(s => Uri.EscapeDataString(s ?? "")));

    [Property(MaxTest = Runs)]
    public Property Generated_query_strings_on_browse_and_change_feed_are_200_or_a_400_problem()
    {
        var names = Gen.Elements("city", "country", "focus", "language", "q", "page", "after", "until", "limit", "x", "page[]", "");
        var query = Gen.ListOf(from n in names from v in Values() select $"{n}={v}").Select(kv => string.Join('&', kv));
        var path = from p in Gen.Elements("/api/organisations", "/atlas/v1/changes") from q in query select $"{p}?{q}";
        return Prop.ForAll(path.ToArbitrary(), p => Holds(HttpMethod.Get, p, null, null, ["GET 200"]));
    }

    [Property(MaxTest = Runs)]
    public Property Generated_path_segments_on_listings_keysets_and_admin_reads_are_never_a_server_error()
    {
        var editor = Node.EditorToken;
        var segment = Gen.OneOf(Values(), Gen.Constant(fixture.ListingId), Gen.Constant(fixture.SubmissionId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var path = from template in Gen.Elements(
                       "/atlas/v1/listings/{0}", "/atlas/v1/listings/{0}/versions/{1}", "/atlas/v1/keyset/{0}", "/api/admin/submissions/{0}", "/api/admin/organisations/{0}",
                       "/api/admin/audit?before={0}&limit={1}", "/api/admin/submissions?status={0}")
                   from a in segment
                   from b in segment
                   select (template.StartsWith("/api/admin", StringComparison.Ordinal), string.Format(System.Globalization.CultureInfo.InvariantCulture, template, a.Length == 0 ? "x" : a, b.Length == 0 ? "1" : b));
        return Prop.ForAll(path.ToArbitrary(), p => Holds(HttpMethod.Get, p.Item2, null, p.Item1 ? editor : null, ["GET 200"]));
    }

    /// <summary>Generated damaged CSV and JSON import files: the CLI either imports all rows or none, and a refusal is
    /// one <c>error: …</c> line on stderr with exit code 1 (never an unhandled exception).</summary>
    [Fact]
    public async Task Generated_damaged_import_files_are_all_or_nothing_with_one_error_line()
    {
        const string Csv = "id,name_en,name_ru,name_uk,name_de,description_en,description_ru,description_uk,description_de,focus,languages,city,country,online_service_area,website,scope\n"
            + ",Csv fuzz,Фазз,,,A group,,,,legal-aid,ru en,Berlin,DE,,https://example.org,local\n"
            + ",Csv fuzz two,,,,Another,,,,relocation,ru,Paris,FR,,,national\n";
        var json = "{\"organisations\":[" + ValidOrg + "," + ValidOrg.Replace("Fuzzed", "Fuzzed two", StringComparison.Ordinal) + "]}";
        var csvGen = Gen.OneOf(
            from i in Gen.Choose(0, Csv.Length - 1) from c in Gen.Elements(',', '"', '\n', '\r', 'x', ';', '\0', 'Ж') select (Ext: "csv", Text: Csv[..i] + c + Csv[(i + 1)..]),
            from i in Gen.Choose(0, Csv.Length - 1) select (Ext: "csv", Text: Csv[..i]));
        var jsonGen = Damaged(json).Select(t => (Ext: "json", Text: t));
        var files = Gen.OneOf(csvGen, jsonGen).Sample(12).Concat([("csv", ""), ("json", ""), ("csv", "id\n"), ("json", "{\"organisations\":[]}")]).ToList();

        var n = 0;
        foreach (var (ext, text) in files)
        {
            var path = Node.Temp.Combine($"fuzz-{n++}.{ext}");
            await File.WriteAllTextAsync(path, text);
            var before = Node.Scalar<long>("SELECT count(*) FROM listings");
            var result = await Node.CliAsync(["import", path], allowFailure: true);
            var after = Node.Scalar<long>("SELECT count(*) FROM listings");
            var what = $"import of {Shorten(text)} → {result}";
            Assert.True(result.ExitCode is 0 or 1, what);
            Assert.DoesNotContain("Unhandled exception", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            if (result.ExitCode == 0)
            {
                Assert.True(after - before >= 0, what);
                Assert.Matches(@"imported (\d+) organisations", result.StandardOutput);
                Assert.Equal(long.Parse(System.Text.RegularExpressions.Regex.Match(result.StandardOutput, @"imported (\d+)").Groups[1].Value), after - before);
            }
            else
            {
                Assert.Equal(before, after);
                var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), what);
            }
        }

        // The node is still healthy and its feed still verifies after all of it.
        await NodeAudit.VerifyAsync(Node);
    }
}
