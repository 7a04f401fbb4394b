using System.Globalization;

namespace Atlas.Protocol.Geo;

/// <summary>Map grid cells for clustering without shipping every point: the Web Mercator (slippy map) tile that
/// holds a place, at a few zoom levels. The indexer stores one id per level in each search document
/// (<c>cell_4</c> … <c>cell_16</c>); the map site asks Meilisearch for the facet distribution of one level over
/// the visible box and draws a cluster per cell. Same arithmetic as <c>web/src/cells.js</c> (test vectors in
/// <c>protocol/Geo/cell-vectors.json</c> are checked on both sides).</summary>
public static class MapCells
{
    /// <summary>Stored levels: every second zoom, so a cell is 16–32 screen pixels at the zoom it is used for.</summary>
    public static IReadOnlyList<int> Levels { get; } = [4, 6, 8, 10, 12, 14, 16];

    /// <summary>Web Mercator stops at ±85.0511° (the square world of map tiles).</summary>
    public const double MaxLatitude = 85.05112878;

    /// <summary>Tile column and row of a position at a zoom level (row 0 is the north edge).</summary>
    public static (int X, int Y) Tile(int level, double lat, double lon)
    {
        var n = 1 << level;
        var clampedLat = Math.Clamp(lat, -MaxLatitude, MaxLatitude);
        var rad = clampedLat * Math.PI / 180;
        var x = (int)Math.Floor((lon + 180) / 360 * n);
        var y = (int)Math.Floor((1 - (Math.Log(Math.Tan(rad) + (1 / Math.Cos(rad))) / Math.PI)) / 2 * n);
        return (Math.Clamp(x, 0, n - 1), Math.Clamp(y, 0, n - 1));
    }

    /// <summary>The cell id stored in the document field of that level: <c>"x_y"</c>.</summary>
    public static string Id(int level, double lat, double lon)
    {
        var (x, y) = Tile(level, lat, lon);
        return string.Create(CultureInfo.InvariantCulture, $"{x}_{y}");
    }

    /// <summary>Name of the document field holding the cell ids of a level.</summary>
    public static string Field(int level) => string.Create(CultureInfo.InvariantCulture, $"cell_{level}");
}
