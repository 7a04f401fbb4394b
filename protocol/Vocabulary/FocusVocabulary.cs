using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atlas.Protocol.Vocabulary;

/// <summary>A focus area: its code, its label per UI language and other words people search it by
/// (per language; optional, used by the indexer to make organisations findable in every language).</summary>
public sealed record FocusArea(
    string Code,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Synonyms = null)
{
    /// <summary>Every label and synonym in every language, once each.</summary>
    public IEnumerable<string> SearchTerms =>
        Labels.Values.Concat(Synonyms?.Values.SelectMany(s => s) ?? []).Distinct(StringComparer.Ordinal);
}

public sealed record FocusVocabularyDocument(int Version, IReadOnlyList<FocusArea> Areas);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FocusVocabularyDocument))]
internal sealed partial class VocabularyJsonContext : JsonSerializerContext;

/// <summary>The controlled vocabulary of focus areas (Vocabulary/focus-areas.json, embedded).
/// Nodes serve it; validators on both sides accept only its codes.</summary>
public static class FocusVocabulary
{
    private static readonly Lazy<FocusVocabularyDocument> Doc = new(Load);
    private static readonly Lazy<FrozenSet<string>> CodeSet = new(() => Doc.Value.Areas.Select(a => a.Code).ToFrozenSet());
    private static readonly Lazy<FrozenDictionary<string, FocusArea>> ByCode = new(() => Doc.Value.Areas.ToFrozenDictionary(a => a.Code));

    public static FocusVocabularyDocument Document => Doc.Value;
    public static bool IsKnown(string code) => CodeSet.Value.Contains(code);

    /// <summary>Labels and synonyms of a code in every language (empty for an unknown code).</summary>
    public static IEnumerable<string> SearchTerms(string code) =>
        ByCode.Value.TryGetValue(code, out var area) ? area.SearchTerms : [];

    private static FocusVocabularyDocument Load()
    {
        using var stream = typeof(FocusVocabulary).Assembly.GetManifestResourceStream("Atlas.Protocol.focus-areas.json")
            ?? throw new InvalidOperationException("focus-areas.json is not embedded.");
        return JsonSerializer.Deserialize(stream, VocabularyJsonContext.Default.FocusVocabularyDocument)
            ?? throw new InvalidOperationException("focus-areas.json is empty.");
    }
}
