using System.Text;
using Atlas.Protocol;
using Atlas.Protocol.Json;

namespace Atlas.Protocol.Tests;

public class StrictJsonTests
{
    private const string Valid = "{\"iss\":\"berlin\",\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}";

    private static ProtocolError Reject(string json) =>
        Assert.Throws<ProtocolException>(() => StrictJson.Parse(Encoding.UTF8.GetBytes(json), ProtocolJsonContext.Default.HeadPayload, 4096)).Error;

    [Fact]
    public void Valid_document_parses() =>
        Assert.Equal(3, StrictJson.Parse(Encoding.UTF8.GetBytes(Valid), ProtocolJsonContext.Default.HeadPayload, 4096).FeedSeq);

    [Theory]
    [InlineData("{\"iss\":\"berlin\",\"iss\":\"paris\",\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")] // duplicate key
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":3.0,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")] // float for integer
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":3e0,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")]
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":\"3\",\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")] // number as string
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\",\"extra\":1}")] // unknown member
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0}")] // missing required
    [InlineData("{\"iss\":null,\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")] // null for non-nullable
    [InlineData("{\"iss\":\"\\ud800\",\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")] // lone surrogate
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":3,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"} trailing")]
    [InlineData("{\"iss\":\"berlin\",\"feed_seq\":99999999999999999999,\"iat\":1,\"exp\":2,\"keyset_version\":1,\"count\":0,\"root\":\"r\"}")] // overflow
    public void Parser_differentials_are_rejected(string json) => Assert.Equal(ProtocolError.Malformed, Reject(json));

    [Fact]
    public void Deep_nesting_is_rejected()
    {
        var deep = new string('[', 64) + new string(']', 64);
        var json = Valid.Replace("\"root\":\"r\"", $"\"root\":{deep}");
        Assert.Equal(ProtocolError.Malformed, Reject(json));
    }

    [Fact]
    public void Size_cap_applies_before_parsing() =>
        Assert.Equal(ProtocolError.TooLarge, Assert.Throws<ProtocolException>(() =>
            StrictJson.Parse(Encoding.UTF8.GetBytes(Valid), ProtocolJsonContext.Default.HeadPayload, 10)).Error);

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid);
        bytes[9] = 0xFF; // inside "berlin"
        Assert.Equal(ProtocolError.Malformed, Assert.Throws<ProtocolException>(() =>
            StrictJson.Parse(bytes, ProtocolJsonContext.Default.HeadPayload, 4096)).Error);
    }
}
