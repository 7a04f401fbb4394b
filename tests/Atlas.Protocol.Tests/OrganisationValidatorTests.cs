using Atlas.Protocol.Geo;
using Atlas.Protocol.Model;
using Atlas.Protocol.Verification;
using Atlas.TestKit;

namespace Atlas.Protocol.Tests;

public class OrganisationValidatorTests
{
    [Fact]
    public void Sample_is_valid() => Assert.Empty(OrganisationValidator.Validate(SampleOrganisations.Minimal()));

    [Fact]
    public void Unknown_focus_code_is_named() =>
        Assert.Contains(OrganisationValidator.Validate(SampleOrganisations.Minimal() with { Focus = ["weapons"] }), e => e.Field == "focus[0]");

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("Good <img src=x onerror=alert(1)>")]
    [InlineData("Bidi \u202Eevil")]
    [InlineData("Tab\tname")]
    public void Markup_and_control_characters_in_names_are_rejected(string name) =>
        Assert.Contains(OrganisationValidator.Validate(SampleOrganisations.Minimal(name)), e => e.Field.StartsWith("name", StringComparison.Ordinal));

    [Theory]
    [InlineData(91, 13.4)]
    [InlineData(52.5, 181)]
    [InlineData(double.NaN, 13.4)]
    [InlineData(52.523, 13.4)] // off the privacy grid at city precision
    public void Bad_coordinates_are_rejected(double lat, double lon) =>
        Assert.Contains(OrganisationValidator.Validate(SampleOrganisations.Minimal(lat: lat, lon: lon)), e => e.Field == "locations[0].lat");

    [Fact]
    public void Online_location_has_service_area_and_no_coordinates()
    {
        var online = SampleOrganisations.Minimal() with { Locations = [new Location("online", null, null, null, null, null, null, ["DE", "*"])] };
        Assert.Empty(OrganisationValidator.Validate(online));
        var bad = SampleOrganisations.Minimal() with { Locations = [new Location("online", "Berlin", null, 1, 1, null, null, ["DE"])] };
        Assert.NotEmpty(OrganisationValidator.Validate(bad));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://example.org")]
    [InlineData("https://user:pw@example.org")]
    public void Only_plain_web_urls(string url) =>
        Assert.Contains(OrganisationValidator.Validate(SampleOrganisations.Minimal() with { Website = url }), e => e.Field == "website");

    [Fact]
    public void Snap_puts_points_on_the_grid()
    {
        var (lat, lon) = GeoPrivacy.Snap(52.5234, 13.4114);
        Assert.Equal(52.52, lat, 9);
        Assert.Equal(13.41, lon, 9);
        Assert.True(GeoPrivacy.IsOnGrid(lat, lon));
    }
}
