using System.Globalization;
using System.Text;
using System.Text.Json;
using Atlas.Api.Data;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Protocol.Model;
using CsvHelper;
using Dapper;

namespace Atlas.Api.Cli;

/// <summary>The import/export file: <c>{"organisations": [OrgInput…]}</c>, each optionally with a fixed id.</summary>
public sealed record ImportFile(IReadOnlyList<OrgInput> Organisations);

/// <summary>JSON is the lossless format. CSV is for spreadsheets: one row per organisation with at most one
/// city and an online service area; contacts, channels and relationships are not carried.</summary>
public static class ImportExport
{
    public static readonly string[] CsvColumns =
    [
        "id", "name_en", "name_ru", "name_uk", "name_de", "description_en", "description_ru", "description_uk", "description_de",
        "focus", "languages", "city", "country", "online_service_area", "website", "scope",
    ];

    public static List<OrgInput> Read(string file)
    {
        if (!File.Exists(file))
        {
            throw new CliException($"{file} does not exist.");
        }
        return Path.GetExtension(file).ToLowerInvariant() switch
        {
            ".json" => ReadJson(file),
            ".csv" => ReadCsv(file),
            _ => throw new CliException($"{file}: import reads .json or .csv files."),
        };
    }

    private static List<OrgInput> ReadJson(string file)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), ApiJsonContext.Default.ImportFile)?.Organisations.ToList()
                ?? throw new CliException($"{file}: the file is JSON null.");
        }
        catch (JsonException e)
        {
            var where = e.Path is null ? "" : $" at {e.Path}";
            throw new CliException($"{file}: malformed import file{where}: {e.Message.Split('\n')[0]} Nothing was imported.");
        }
    }

    private static List<OrgInput> ReadCsv(string file)
    {
        var records = ParseCsv(file);
        if (records.Count == 0)
        {
            throw new CliException($"{file}: empty CSV; the first line names the columns ({string.Join(",", CsvColumns)}).");
        }
        var header = records[0];
        var unknown = header.Except(CsvColumns).ToList();
        if (unknown.Count > 0)
        {
            throw new CliException($"{file}: unknown column '{unknown[0]}'; columns are {string.Join(",", CsvColumns)}.");
        }
        var result = new List<OrgInput>();
        for (var r = 1; r < records.Count; r++)
        {
            var record = records[r];
            if (record.Count != header.Count)
            {
                throw new CliException($"{file}: row {r} has {record.Count} fields; the header has {header.Count}. Nothing was imported.");
            }
            string? F(string name) => header.IndexOf(name) is var i and >= 0 && record[i].Trim() is { Length: > 0 } v ? v : null;
            static List<string> Split(string? v) => v?.Split([' ', ';', ','], StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];
            Dictionary<string, string> Texts(string prefix) => new[] { "en", "ru", "uk", "de" }
                .Where(l => F($"{prefix}_{l}") is not null).ToDictionary(l => l, l => F($"{prefix}_{l}")!);
            var locations = new List<LocationInput>();
            if (F("city") is { } city)
            {
                locations.Add(new LocationInput("physical", city, F("country")));
            }
            if (F("online_service_area") is { } area)
            {
                locations.Add(new LocationInput("online", ServiceArea: Split(area)));
            }
            result.Add(new OrgInput(Texts("name"), Split(F("focus")), Split(F("languages")), locations,
                Id: F("id"), Description: Texts("description"), Website: F("website"), Scope: F("scope")));
        }
        return result;
    }

    public static string Export(NodeStore store, string format, bool includePrivate)
    {
        using var conn = store.Open();
        var rows = conn.Query<(string Id, string Jws, string? PrivateJson)>("""
            SELECT l.id, v.jws, l.private_json FROM listings l JOIN listing_versions v ON v.id = l.id AND v.seq = l.seq
            WHERE l.status = 'active' ORDER BY l.id
            """);
        var orgs = rows.Select(r => includePrivate && r.PrivateJson is not null
            ? JsonSerializer.Deserialize(r.PrivateJson, ApiJsonContext.Default.OrgInput)! with { Id = r.Id }
            : FromPublished(r.Id, Publisher.ReadOwnPayload(r.Jws).Org!)).ToList();
        return format == "json"
            ? JsonSerializer.Serialize(new ImportFile(orgs), new JsonSerializerOptions(ApiJsonContext.Default.Options) { WriteIndented = true, TypeInfoResolver = ApiJsonContext.Default })
            : ToCsv(orgs);
    }

    private static OrgInput FromPublished(string id, Organisation o) => new(
        o.Name, o.Focus, o.Languages,
        o.Locations.Select(l => new LocationInput(l.Kind, l.City, l.Country, l.Lat, l.Lon, l.Precision, l.Address, l.ServiceArea)).ToList(),
        id, o.Description,
        o.Contacts.Select(c => new ContactInput(c.Kind, c.Value, Visibility.Public, c.Label, c.Press)).ToList(),
        o.Website, o.Channels, o.Relationships, o.Status, o.Scope, o.LastConfirmed, o.ReviewBy);

    /// <summary>RFC 4180 (CsvHelper): quoted fields may hold separators, quotes ("") and line breaks; blank lines
    /// are skipped; broken quoting is an error, not a guess.</summary>
    private static List<List<string>> ParseCsv(string file)
    {
        using var reader = CsvReader.FromText(File.ReadAllText(file, Encoding.UTF8),
            new CsvReaderOptions { HasHeader = false, MalformedData = CsvMalformedDataHandling.Throw });
        var records = new List<List<string>>();
        try
        {
            while (reader.Read())
            {
                records.Add([.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]);
            }
        }
        catch (CsvFormatException e)
        {
            throw new CliException($"{file}: {e.Message.Split('\n')[0].Trim()} Nothing was imported.");
        }
        return records;
    }

    private static string ToCsv(IEnumerable<OrgInput> orgs)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\r\n" }, leaveOpen: true);
        csv.WriteRecord(CsvColumns);
        foreach (var o in orgs)
        {
            var physical = o.Locations.FirstOrDefault(l => l.Kind == "physical");
            var online = o.Locations.FirstOrDefault(l => l.Kind == "online");
            string T(IReadOnlyDictionary<string, string>? d, string l) => d?.GetValueOrDefault(l) ?? "";
            csv.WriteRecord(
            [
                o.Id ?? "", T(o.Name, "en"), T(o.Name, "ru"), T(o.Name, "uk"), T(o.Name, "de"),
                T(o.Description, "en"), T(o.Description, "ru"), T(o.Description, "uk"), T(o.Description, "de"),
                string.Join(' ', o.Focus), string.Join(' ', o.Languages), physical?.City ?? "", physical?.Country ?? "",
                string.Join(' ', online?.ServiceArea ?? []), o.Website ?? "", o.Scope ?? "",
            ]);
        }
        csv.Flush();
        return text.ToString();
    }
}
