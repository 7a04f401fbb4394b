namespace Atlas.Protocol.Geo;

/// <summary>Coordinates leave a node at city precision unless an organisation marks its address public:
/// snapped to a 0.01° grid (≈1 km), never the building.</summary>
public static class GeoPrivacy
{
    public const double GridDegrees = 0.01;
    private const double Scale = 1 / GridDegrees;

    public static bool IsValid(double lat, double lon) =>
        double.IsFinite(lat) && double.IsFinite(lon) && lat is >= -90 and <= 90 && lon is >= -180 and <= 180;

    /// <summary>Snaps a point to the privacy grid: round half up (towards +∞) on both axes, the rule of a fixed
    /// precision model (NetTopologySuite's <c>PrecisionModel.MakePrecise</c>, which this replaced).</summary>
    public static (double Lat, double Lon) Snap(double lat, double lon) =>
        (Math.Round(Math.Floor((lat * Scale) + 0.5) / Scale, 2), Math.Round(Math.Floor((lon * Scale) + 0.5) / Scale, 2));

    public static bool IsOnGrid(double lat, double lon)
    {
        var (sLat, sLon) = Snap(lat, lon);
        return Math.Abs(sLat - lat) < 1e-9 && Math.Abs(sLon - lon) < 1e-9;
    }
}
