namespace Atlas.Api.Tests;

public class SmokeTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
