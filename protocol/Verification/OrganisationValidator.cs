using System.Globalization;
using System.Text.RegularExpressions;
using Atlas.Protocol.Geo;
using Atlas.Protocol.Model;
using Atlas.Protocol.Vocabulary;

namespace Atlas.Protocol.Verification;

public sealed record FieldError(string Field, string Message);

/// <summary>Rules every published organisation obeys. The node applies them before it stores a
/// submission (as RFC 9457 validation errors); the indexer applies them again on receipt.</summary>
public static partial class OrganisationValidator
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 5000;
    public const int MaxTotalDescriptionLength = 20000;

    public static IReadOnlyList<FieldError> Validate(Organisation org)
    {
        var errors = new List<FieldError>();
        void Add(string field, string message) => errors.Add(new FieldError(field, message));

        CheckTexts("name", org.Name, MaxNameLength, required: true, markupFree: true, errors);
        CheckTexts("description", org.Description, MaxDescriptionLength, required: false, markupFree: false, errors);
        if (org.Description.Values.Sum(d => d.Length) > MaxTotalDescriptionLength)
        {
            Add("description", $"All descriptions together are at most {MaxTotalDescriptionLength} characters (the signed listing must stay under {ProtocolLimits.MaxListingBytes / 1024} KB).");
        }

        if (org.Focus.Count is 0 or > 10)
        {
            Add("focus", "Give between 1 and 10 focus areas.");
        }
        foreach (var (code, i) in org.Focus.Select((c, i) => (c, i)))
        {
            if (!FocusVocabulary.IsKnown(code))
            {
                Add($"focus[{i}]", $"'{Truncate(code)}' is not a focus-area code; see the vocabulary endpoint.");
            }
        }
        Unique("focus", org.Focus, errors);

        if (org.Languages.Count is 0 or > 20)
        {
            Add("languages", "Give between 1 and 20 working languages.");
        }
        foreach (var (lang, i) in org.Languages.Select((c, i) => (c, i)))
        {
            if (!LanguageRegex().IsMatch(lang))
            {
                Add($"languages[{i}]", $"'{Truncate(lang)}' is not an ISO 639 code (e.g. ru, uk, en, de).");
            }
        }
        Unique("languages", org.Languages, errors);

        if (org.Locations.Count is 0 or > 50)
        {
            Add("locations", "Give between 1 and 50 locations (a city, or kind online).");
        }
        for (var i = 0; i < org.Locations.Count; i++)
        {
            CheckLocation($"locations[{i}]", org.Locations[i], errors);
        }

        if (org.Contacts.Count > 20)
        {
            Add("contacts", "At most 20 contacts.");
        }
        for (var i = 0; i < org.Contacts.Count; i++)
        {
            var c = org.Contacts[i];
            var f = $"contacts[{i}]";
            if (!Vocab.ContactKinds.Contains(c.Kind))
            {
                Add($"{f}.kind", $"Contact kind is one of {string.Join(", ", Vocab.ContactKinds)}.");
            }
            if (!IsCleanText(c.Value, 200) || c.Value.Contains('<') || c.Value.Contains('>'))
            {
                Add($"{f}.value", "Contact value is 1–200 characters of plain text.");
            }
            else if (c.Kind == "email" && !EmailRegex().IsMatch(c.Value))
            {
                Add($"{f}.value", "Not an email address.");
            }
            else if (c.Kind == "phone" && !PhoneRegex().IsMatch(c.Value))
            {
                Add($"{f}.value", "Phone numbers are international: + and 6–20 digits or spaces.");
            }
            else if (c.Kind == "web" && !IsWebUrl(c.Value))
            {
                Add($"{f}.value", "Web contacts are http(s) URLs.");
            }
            if (c.Label is not null)
            {
                CheckTexts($"{f}.label", c.Label, 100, required: false, markupFree: true, errors);
            }
        }

        if (org.Website is not null && !IsWebUrl(org.Website))
        {
            Add("website", "Website must be an absolute http(s) URL of at most 500 characters.");
        }
        if (org.Channels.Count > 20)
        {
            Add("channels", "At most 20 channels.");
        }
        for (var i = 0; i < org.Channels.Count; i++)
        {
            if (!Vocab.ChannelKinds.Contains(org.Channels[i].Kind))
            {
                Add($"channels[{i}].kind", $"Channel kind is one of {string.Join(", ", Vocab.ChannelKinds)}.");
            }
            if (!IsWebUrl(org.Channels[i].Url))
            {
                Add($"channels[{i}].url", "Channel must be an absolute http(s) URL.");
            }
        }

        if (org.Relationships.Count > 100)
        {
            Add("relationships", "At most 100 relationships.");
        }
        for (var i = 0; i < org.Relationships.Count; i++)
        {
            if (!Vocab.RelationshipTypes.Contains(org.Relationships[i].Type))
            {
                Add($"relationships[{i}].type", "Relationship type is member_of or partner_of.");
            }
            if (!Identifiers.IsListingId(org.Relationships[i].Target))
            {
                Add($"relationships[{i}].target", "Relationship target is a listing id (lowercase UUID).");
            }
        }

        if (!Vocab.OrgStatuses.Contains(org.Status))
        {
            Add("status", $"Status is one of {string.Join(", ", Vocab.OrgStatuses)}.");
        }
        if (!Vocab.Scopes.Contains(org.Scope))
        {
            Add("scope", $"Scope is one of {string.Join(", ", Vocab.Scopes)}.");
        }
        var confirmed = ParseDate(org.LastConfirmed);
        var reviewBy = ParseDate(org.ReviewBy);
        if (confirmed is null)
        {
            Add("last_confirmed", "Use an ISO date, YYYY-MM-DD.");
        }
        if (reviewBy is null)
        {
            Add("review_by", "Use an ISO date, YYYY-MM-DD.");
        }
        if (confirmed is { } c0 && reviewBy is { } r0 && (r0 <= c0 || r0 > c0.AddYears(2)))
        {
            Add("review_by", "review_by lies after last_confirmed and at most two years later.");
        }
        return errors;
    }

    private static void CheckLocation(string f, Location l, List<FieldError> errors)
    {
        void Add(string field, string message) => errors.Add(new FieldError(field, message));
        switch (l.Kind)
        {
            case "physical":
                if (l.City is null || !IsCleanText(l.City, 100) || l.City.Contains('<') || l.City.Contains('>'))
                {
                    Add($"{f}.city", "A physical location names its city (1–100 characters, plain text).");
                }
                if (l.Country is null || !CountryRegex().IsMatch(l.Country))
                {
                    Add($"{f}.country", "Country is an ISO 3166-1 alpha-2 code in capitals (e.g. DE, GE, AM).");
                }
                if (l.Lat is not { } lat || l.Lon is not { } lon || !GeoPrivacy.IsValid(lat, lon))
                {
                    Add($"{f}.lat", "Coordinates are required: lat in −90..90, lon in −180..180.");
                }
                else if (l.Precision == "city" && !GeoPrivacy.IsOnGrid(lat, lon))
                {
                    Add($"{f}.lat", $"City-precision coordinates lie on the {GeoPrivacy.GridDegrees}° privacy grid.");
                }
                if (!Vocab.Precisions.Contains(l.Precision))
                {
                    Add($"{f}.precision", "Precision is city or exact.");
                }
                if (l.Address is not null && (l.Precision != "exact" || !IsCleanText(l.Address, 300) || l.Address.Contains('<')))
                {
                    Add($"{f}.address", "An address is published only with precision exact (1–300 characters).");
                }
                if (l.ServiceArea is not null)
                {
                    Add($"{f}.service_area", "Only online locations have a service area.");
                }
                break;
            case "online":
                if (l.City is not null || l.Country is not null || l.Lat is not null || l.Lon is not null || l.Address is not null || l.Precision is not null)
                {
                    Add(f, "An online location has no city, country, coordinates or address.");
                }
                if (l.ServiceArea is null || l.ServiceArea.Count is 0 or > 250 || l.ServiceArea.Any(a => a != "*" && !CountryRegex().IsMatch(a)))
                {
                    Add($"{f}.service_area", "An online location lists country codes it serves, or \"*\" for everywhere.");
                }
                break;
            default:
                Add($"{f}.kind", "Location kind is physical or online.");
                break;
        }
    }

    private static void CheckTexts(string field, IReadOnlyDictionary<string, string> texts, int maxLength, bool required, bool markupFree, List<FieldError> errors)
    {
        if (required && texts.Count == 0)
        {
            errors.Add(new FieldError(field, "Give at least one language, e.g. {\"en\": \"…\"}."));
        }
        if (texts.Count > 20)
        {
            errors.Add(new FieldError(field, "At most 20 languages."));
        }
        foreach (var (tag, text) in texts)
        {
            if (!LanguageTagRegex().IsMatch(tag))
            {
                errors.Add(new FieldError($"{field}.{Truncate(tag)}", "Keys are BCP 47 language tags (ru, uk, en, de, sr-Latn…)."));
            }
            if (!IsCleanText(text, maxLength, allowNewlines: !markupFree))
            {
                errors.Add(new FieldError($"{field}.{Truncate(tag)}", $"Text is 1–{maxLength} characters without control characters."));
            }
            else if (markupFree ? (text.Contains('<') || text.Contains('>')) : MarkupRegex().IsMatch(text))
            {
                errors.Add(new FieldError($"{field}.{Truncate(tag)}", "Markup is not allowed: write plain text."));
            }
        }
    }

    private static void Unique(string field, IReadOnlyList<string> values, List<FieldError> errors)
    {
        if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
        {
            errors.Add(new FieldError(field, "Values repeat."));
        }
    }

    private static bool IsCleanText(string? text, int maxLength, bool allowNewlines = false) =>
        !string.IsNullOrWhiteSpace(text)
        && text.Length <= maxLength
        && text.All(ch => !char.IsControl(ch) || (allowNewlines && ch is '\n'))
        && !HasLoneSurrogate(text)
        && !text.Contains('\u202E') && !text.Contains('\u202D'); // bidi overrides disguise text

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }
        return false;
    }

    public static bool IsWebUrl(string? url) =>
        url is { Length: <= 500 }
        && Uri.TryCreate(url, UriKind.Absolute, out var u)
        && u.Scheme is "https" or "http"
        && !string.IsNullOrEmpty(u.Host)
        && string.IsNullOrEmpty(u.UserInfo);

    private static DateOnly? ParseDate(string s) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageRegex();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")]
    private static partial Regex LanguageTagRegex();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryRegex();

    [GeneratedRegex(@"^[^@\s<>]{1,64}@[^@\s<>]{1,190}\.[a-zA-Z]{2,24}$")]
    private static partial Regex EmailRegex();

    [GeneratedRegex(@"^\+[0-9][0-9 ]{5,19}$")]
    private static partial Regex PhoneRegex();

    [GeneratedRegex(@"<\s*[a-zA-Z/!?]|javascript\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex MarkupRegex();
}
