using System.Collections.Frozen;

namespace Atlas.Protocol.Geo;

/// <summary>A city where the diaspora lives: ISO 3166-1 country, centre coordinates and the names people
/// type for it (en, ru, uk, de…).</summary>
public sealed record GazetteerCity(string Name, string Country, double Lat, double Lon, IReadOnlyList<string> Variants);

/// <summary>A small, hand-made gazetteer. Nodes use it to reject a city placed in the wrong country (a
/// planted listing "in Berlin, RU" must not pass) and to default coordinates to the city centre, snapped to
/// the privacy grid. Cities not listed here are accepted only with explicit coordinates.</summary>
public static class Gazetteer
{
    /// <summary>Coordinates given for a known city must lie within this distance of its centre.</summary>
    public const double MaxDistanceKm = 40;

    private static readonly GazetteerCity[] All =
    [
        C("Berlin", "DE", 52.520, 13.405, "Берлин", "Берлін"),
        C("Munich", "DE", 48.137, 11.575, "München", "Muenchen", "Мюнхен"),
        C("Hamburg", "DE", 53.551, 9.994, "Гамбург"),
        C("Frankfurt", "DE", 50.110, 8.682, "Frankfurt am Main", "Франкфурт", "Франкфурт-на-Майне"),
        C("Cologne", "DE", 50.938, 6.960, "Köln", "Koeln", "Кёльн", "Кельн"),
        C("Leipzig", "DE", 51.340, 12.375, "Лейпциг"),
        C("Tbilisi", "GE", 41.716, 44.783, "Тбилиси", "Тбілісі", "Tiflis"),
        C("Batumi", "GE", 41.617, 41.636, "Батуми", "Батумі"),
        C("Yerevan", "AM", 40.177, 44.513, "Ереван", "Єреван", "Eriwan", "Jerewan"),
        C("Gyumri", "AM", 40.789, 43.847, "Гюмри", "Ґюмрі", "Gjumri"),
        C("Vilnius", "LT", 54.687, 25.280, "Вильнюс", "Вільнюс", "Wilna"),
        C("Riga", "LV", 56.949, 24.106, "Рига", "Рига"),
        C("Tallinn", "EE", 59.437, 24.754, "Таллин", "Таллінн"),
        C("Warsaw", "PL", 52.230, 21.012, "Warszawa", "Warschau", "Варшава"),
        C("Prague", "CZ", 50.076, 14.438, "Praha", "Prag", "Прага"),
        C("Paris", "FR", 48.857, 2.352, "Париж"),
        C("London", "GB", 51.507, -0.128, "Лондон"),
        C("Amsterdam", "NL", 52.370, 4.895, "Амстердам"),
        C("Helsinki", "FI", 60.170, 24.938, "Хельсинки", "Гельсінкі"),
        C("Belgrade", "RS", 44.787, 20.457, "Beograd", "Belgrad", "Белград", "Бєлград"),
        C("Novi Sad", "RS", 45.267, 19.833, "Нови-Сад", "Нові-Сад"),
        C("Budva", "ME", 42.291, 18.840, "Будва"),
        C("Podgorica", "ME", 42.441, 19.263, "Подгорица", "Подгориця"),
        C("Bar", "ME", 42.093, 19.100, "Бар"),
        C("Istanbul", "TR", 41.008, 28.978, "İstanbul", "Стамбул"),
        C("Antalya", "TR", 36.897, 30.713, "Анталья", "Анталія"),
        C("Astana", "KZ", 51.169, 71.449, "Астана"),
        C("Almaty", "KZ", 43.238, 76.946, "Алматы", "Алмати"),
        C("Bishkek", "KG", 42.875, 74.570, "Бишкек", "Бішкек"),
        C("Tashkent", "UZ", 41.299, 69.240, "Toshkent", "Ташкент", "Taschkent"),
        C("Dubai", "AE", 25.205, 55.271, "Дубай"),
        C("Tel Aviv", "IL", 32.085, 34.782, "Tel Aviv-Yafo", "Тель-Авив", "Тель-Авів"),
        C("Haifa", "IL", 32.794, 34.990, "Хайфа"),
        C("Limassol", "CY", 34.707, 33.022, "Лимасол", "Лімасол"),
        C("Lisbon", "PT", 38.722, -9.139, "Lisboa", "Lissabon", "Лиссабон", "Лісабон"),
        C("Barcelona", "ES", 41.385, 2.173, "Барселона"),
        C("Madrid", "ES", 40.417, -3.704, "Мадрид"),
        C("Rome", "IT", 41.903, 12.496, "Roma", "Rom", "Рим"),
        C("Milan", "IT", 45.464, 9.190, "Milano", "Mailand", "Милан", "Мілан"),
        C("Vienna", "AT", 48.208, 16.374, "Wien", "Вена", "Відень"),
        C("Zurich", "CH", 47.377, 8.542, "Zürich", "Цюрих"),
        C("Geneva", "CH", 46.204, 6.143, "Genève", "Genf", "Женева"),
        C("Stockholm", "SE", 59.329, 18.069, "Стокгольм"),
        C("Oslo", "NO", 59.914, 10.752, "Осло"),
        C("Copenhagen", "DK", 55.676, 12.568, "København", "Kopenhagen", "Копенгаген"),
        C("Brussels", "BE", 50.850, 4.352, "Bruxelles", "Brüssel", "Брюссель"),
        C("New York", "US", 40.713, -74.006, "Нью-Йорк"),
        C("Toronto", "CA", 43.653, -79.383, "Торонто"),
        C("Buenos Aires", "AR", -34.604, -58.382, "Буэнос-Айрес", "Буенос-Айрес"),
        C("Kyiv", "UA", 50.450, 30.524, "Kiev", "Kiew", "Киев", "Київ"),
        C("Kharkiv", "UA", 49.994, 36.230, "Kharkov", "Charkiw", "Харьков", "Харків"),
        C("Lviv", "UA", 49.840, 24.030, "Lemberg", "Lwiw", "Львов", "Львів"),
        C("Chisinau", "MD", 47.011, 28.864, "Chișinău", "Kischinau", "Кишинёв", "Кишинев", "Кишинів"),
        C("Baku", "AZ", 40.409, 49.867, "Баку"),
    ];

    private static readonly FrozenDictionary<string, GazetteerCity[]> ByName = All
        .SelectMany(c => c.Variants.Prepend(c.Name).Select(n => (Key: Normalise(n), City: c)))
        .GroupBy(x => x.Key)
        .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.City).Distinct().ToArray());

    public static IReadOnlyList<GazetteerCity> Cities => All;

    /// <summary>Every city known under this name (any variant, case-insensitive).</summary>
    public static IReadOnlyList<GazetteerCity> Find(string name) =>
        ByName.TryGetValue(Normalise(name), out var cities) ? cities : [];

    /// <summary>Great-circle distance in km (haversine; plenty for a 40 km plausibility check).</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6371.0;
        static double Rad(double d) => d * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static string Normalise(string name) => name.Trim().ToLowerInvariant().Replace('ё', 'е');

    private static GazetteerCity C(string name, string country, double lat, double lon, params string[] variants) =>
        new(name, country, lat, lon, variants);
}
