using System.Globalization;
using System.Text;

namespace Atlas.Indexer.Sync;

/// <summary>Look-alike names (attack 2): a word mixing Latin and Cyrillic letters, or a name whose
/// skeleton (lowercased, homoglyphs folded to Latin, letters and digits only) equals another node's.</summary>
public static class Confusables
{
    // Cyrillic and Greek letters that render like Latin ones (after lowercasing). Not a full UTS #39
    // table: the attack we see is a copied name with a few Cyrillic look-alikes swapped in.
    private static readonly Dictionary<char, char> Homoglyphs = new()
    {
        ['а'] = 'a', ['в'] = 'b', ['е'] = 'e', ['ё'] = 'e', ['к'] = 'k', ['м'] = 'm', ['н'] = 'h', ['о'] = 'o',
        ['р'] = 'p', ['с'] = 'c', ['т'] = 't', ['у'] = 'y', ['х'] = 'x', ['і'] = 'i', ['ї'] = 'i', ['ј'] = 'j',
        ['ѕ'] = 's', ['һ'] = 'h', ['ԁ'] = 'd', ['ԛ'] = 'q', ['ԝ'] = 'w',
        ['α'] = 'a', ['ε'] = 'e', ['ι'] = 'i', ['κ'] = 'k', ['ν'] = 'v', ['ο'] = 'o', ['ρ'] = 'p', ['τ'] = 't',
        ['υ'] = 'u', ['χ'] = 'x',
        ['0'] = 'o', ['1'] = 'l',
    };

    public static string Skeleton(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text.Normalize(NormalizationForm.FormKC).ToLowerInvariant())
        {
            if (!char.IsLetterOrDigit(ch))
            {
                continue;
            }
            sb.Append(Homoglyphs.TryGetValue(ch, out var latin) ? latin : ch);
        }
        return sb.ToString();
    }

    public static bool HasMixedScriptWord(string text)
    {
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            bool latin = false, cyrillic = false;
            foreach (var ch in word)
            {
                if (!char.IsLetter(ch))
                {
                    continue;
                }
                if (ch is >= 'A' and <= 'Z' or >= 'a' and <= 'z' || (ch >= '\u00C0' && ch <= '\u024F'))
                {
                    latin = true;
                }
                else if (ch >= '\u0400' && ch <= '\u052F')
                {
                    cyrillic = true;
                }
            }
            if (latin && cyrillic)
            {
                return true;
            }
        }
        return false;
    }

    public static string Describe(string text) => text.Length <= 80 ? text : text[..80] + "…";

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
