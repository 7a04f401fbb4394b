using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atlas.Indexer.Meilisearch;

/// <summary>
/// A Meilisearch filter: either one expression (<c>"country = DE AND online = true"</c>) or an array form where the
/// outer list is ANDed and each inner list is ORed (<c>[["focus = legal-aid", "focus = shelter"], "country = DE"]</c>).
/// Values inside expressions must be quoted by the caller where needed; see <see cref="Quote"/>.
/// </summary>
[JsonConverter(typeof(SearchFilterJsonConverter))]
public sealed class SearchFilter
{
    private SearchFilter(string? expression, IReadOnlyList<IReadOnlyList<string>>? clauses)
    {
        Expression = expression;
        Clauses = clauses;
    }

    /// <summary>The single-expression form, or null for the array form.</summary>
    public string? Expression { get; }

    /// <summary>The array form: AND of ORs (a one-element inner list is written as a plain string).</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Clauses { get; }

    public static SearchFilter Of(string expression)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        return new SearchFilter(expression, null);
    }

    /// <summary>All expressions must hold (array form).</summary>
    public static SearchFilter AllOf(params IEnumerable<string> expressions) =>
        new(null, [.. expressions.Select(e => (IReadOnlyList<string>)[e])]);

    /// <summary>AND over the groups, OR inside each group (array of arrays form).</summary>
    public static SearchFilter AndOfOrs(IEnumerable<IEnumerable<string>> groups) =>
        new(null, [.. groups.Select(g => (IReadOnlyList<string>)[.. g])]);

    /// <summary>
    /// <c>_geoBoundingBox([north, east], [south, west])</c>. Meilisearch wants the top-RIGHT corner first and the
    /// bottom-LEFT corner second (checked against 1.21: top-left/bottom-right matches nothing).
    /// </summary>
    public static string GeoBoundingBox(double north, double east, double south, double west) =>
        FormattableString.Invariant($"_geoBoundingBox([{north}, {east}], [{south}, {west}])");

    /// <summary><c>_geoRadius(lat, lng, meters)</c></summary>
    public static string GeoRadius(double lat, double lng, double meters) =>
        FormattableString.Invariant($"_geoRadius({lat}, {lng}, {meters})");

    /// <summary>Quotes a value for a filter expression: <c>"it's \"x\""</c>.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public static implicit operator SearchFilter(string expression) => Of(expression);

    public override string ToString() =>
        Expression ?? "[" + string.Join(", ", Clauses!.Select(c => c.Count == 1 ? c[0] : "[" + string.Join(", ", c) + "]")) + "]";

    internal void Write(Utf8JsonWriter writer)
    {
        if (Expression is not null)
        {
            writer.WriteStringValue(Expression);
            return;
        }

        writer.WriteStartArray();
        foreach (var clause in Clauses!)
        {
            if (clause.Count == 1)
            {
                writer.WriteStringValue(clause[0]);
                continue;
            }

            writer.WriteStartArray();
            foreach (var alternative in clause)
            {
                writer.WriteStringValue(alternative);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    internal static SearchFilter Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return Of(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A filter is a string or an array.");
        }

        var clauses = new List<IReadOnlyList<string>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                clauses.Add([reader.GetString()!]);
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("A filter array holds strings or arrays of strings.");
            }

            var alternatives = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                alternatives.Add(reader.GetString() ?? throw new JsonException("Filter expressions are strings."));
            }

            clauses.Add(alternatives);
        }

        return new SearchFilter(null, clauses);
    }
}

internal sealed class SearchFilterJsonConverter : JsonConverter<SearchFilter>
{
    public override SearchFilter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SearchFilter.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, SearchFilter value, JsonSerializerOptions options) => value.Write(writer);
}
