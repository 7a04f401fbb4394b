using System.Text.Json.Nodes;
using Atlas.Protocol.Geo;

namespace Atlas.Protocol.Tests.Geo;

/// <summary>The cell ids the indexer stores must be the ones the map site decodes: both sides check the same
/// committed vectors (protocol/Geo/cell-vectors.json; web/test/cells.test.js is the other side).</summary>
public class MapCellsTests
{
    [Fact]
    public void Cell_ids_match_the_shared_vectors()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(Atlas.TestKit.RepoPaths.Root, "protocol", "Geo", "cell-vectors.json")))!;
        var vectors = file["vectors"]!.AsArray();
        Assert.NotEmpty(vectors);
        foreach (var v in vectors)
        {
            var lat = (double)v!["lat"]!;
            var lng = (double)v["lng"]!;
            var cells = v["cells"]!.AsObject();
            Assert.Equal(MapCells.Levels.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)), cells.Select(c => c.Key));
            foreach (var level in MapCells.Levels)
            {
                Assert.Equal((string)cells[level.ToString(System.Globalization.CultureInfo.InvariantCulture)]!, MapCells.Id(level, lat, lng));
            }
        }
    }

    [Fact]
    public void Cells_nest_and_stay_inside_the_grid()
    {
        foreach (var (lat, lng) in new[] { (90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (52.52, 13.41) })
        {
            var (x4, y4) = MapCells.Tile(4, lat, lng);
            var (x6, y6) = MapCells.Tile(6, lat, lng);
            Assert.InRange(x6, 0, 63);
            Assert.InRange(y6, 0, 63);
            Assert.Equal((x4, y4), (x6 / 4, y6 / 4));
        }
    }

    [Fact]
    public void Snap_rounds_half_up_on_the_privacy_grid_like_the_fixed_precision_model_did()
    {
        Assert.Equal((52.52, 13.41), GeoPrivacy.Snap(52.5234, 13.4114));
        Assert.Equal((-33.87, -58.38), GeoPrivacy.Snap(-33.8749, -58.3751));
        Assert.Equal((0.01, -0.0), GeoPrivacy.Snap(0.005, -0.005 + 1e-12));
        Assert.True(GeoPrivacy.IsOnGrid(41.72, 44.78));
        Assert.False(GeoPrivacy.IsOnGrid(41.725, 44.78));
    }
}

/// <summary>The gazetteer file: every city has its name in each UI language, the variants find it, and
/// country names come in every UI language.</summary>
public class GazetteerTests
{
    [Fact]
    public void Every_city_has_a_name_in_each_ui_language_and_is_found_by_each()
    {
        Assert.True(Gazetteer.Cities.Count >= 54);
        foreach (var city in Gazetteer.Cities)
        {
            Assert.Equal(["de", "en", "ru", "uk"], city.Names.Keys.Order());
            Assert.Equal(city.Name, city.Names["en"]);
            foreach (var name in city.AllNames)
            {
                Assert.Contains(city, Gazetteer.Find(name));
            }
        }
    }

    [Theory]
    [InlineData("Тбилиси")]
    [InlineData("Тбілісі")]
    [InlineData("Tiflis")]
    [InlineData("tbilisi")]
    public void Spellings_of_Tbilisi_find_it(string name) =>
        Assert.Equal("Tbilisi", Assert.Single(Gazetteer.Find(name)).Name);

    [Fact]
    public void Capitals_are_marked_and_countries_have_names_in_every_language()
    {
        Assert.True(Gazetteer.Lookup("Berlin", "DE")!.Capital);
        Assert.False(Gazetteer.Lookup("Munich", "DE")!.Capital);
        Assert.Null(Gazetteer.Lookup("Berlin", "RU"));
        Assert.Contains("Грузия", Gazetteer.CountryNames("GE"));
        Assert.Contains("Грузія", Gazetteer.CountryNames("ge"));
        Assert.Contains("Georgien", Gazetteer.CountryNames("GE"));
        Assert.Empty(Gazetteer.CountryNames("XX"));
        Assert.All(Gazetteer.Cities, c => Assert.NotEmpty(Gazetteer.CountryNames(c.Country)));
    }
}
