using Atlas.Indexer.Search;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The recent index's bookkeeping (<see cref="RecentOverlay"/>) as a pure value: which listings the token shows
/// from the recent index, and when they leave it (the real Meilisearch side is RecentIndexTests).</summary>
public sealed class RecentOverlayTests
{
    private static Dictionary<string, int> Docs(params (string Id, int Count)[] listings) =>
        listings.ToDictionary(l => l.Id, l => l.Count, StringComparer.Ordinal);

    [Fact]
    public void A_listing_is_shown_only_once_its_recent_write_ran_and_leaves_when_its_latest_flush_completes()
    {
        var overlay = new RecentOverlay(10);
        Assert.True(overlay.TryReserve(1, Docs(("a", 2), ("b", 1)), out var previous));
        Assert.Equal(0, previous["a"]);
        Assert.Empty(overlay.Snapshot().Visible);
        var v0 = overlay.Snapshot().Version;

        overlay.MarkVisible(2);                      // another flush: nothing
        Assert.Empty(overlay.Snapshot().Visible);
        overlay.MarkVisible(1);
        Assert.Equal(["a", "b"], overlay.Snapshot().Visible);
        Assert.True(overlay.Snapshot().Version > v0);
        Assert.Equal(v0 + 1, overlay.Snapshot().Version);   // one change of the visible set, one version

        // A later flush that writes only the organisations index keeps "a" shown until it completes.
        overlay.Touch(3, ["a", "unknown"]);
        Assert.Equal(["b"], overlay.Finish(1).Select(l => l.Id));
        Assert.Equal(["a"], overlay.Snapshot().Visible);
        Assert.Empty(overlay.Finish(2).Select(l => l.Id));
        Assert.Equal(["a"], overlay.Finish(3).Select(l => l.Id));
        Assert.Empty(overlay.Snapshot().Visible);
        Assert.Equal(0, overlay.Count);
        Assert.Equal(v0 + 3, overlay.Snapshot().Version);
    }

    [Fact]
    public void A_second_write_keeps_the_listing_shown_and_reports_the_documents_of_the_first()
    {
        var overlay = new RecentOverlay(10);
        Assert.True(overlay.TryReserve(1, Docs(("a", 3)), out _));
        overlay.MarkVisible(1);
        Assert.True(overlay.TryReserve(2, Docs(("a", 1)), out var previous));
        // Documents 1 and 2 of the first write must be deleted with the second one's.
        Assert.Equal(3, previous["a"]);
        Assert.Equal(["a"], overlay.Snapshot().Visible);
        // The first flush completing does not take it out: the second is its latest. Up to 3 documents are deleted then.
        Assert.Empty(overlay.Finish(1));
        Assert.Equal(["a"], overlay.Snapshot().Visible);
        Assert.Equal([("a", 3)], overlay.Finish(2));
    }

    [Fact]
    public void A_flush_that_does_not_fit_reserves_nothing_and_a_disabled_overlay_reserves_nothing()
    {
        var overlay = new RecentOverlay(2);
        Assert.True(overlay.TryReserve(1, Docs(("a", 1)), out _));
        Assert.False(overlay.TryReserve(2, Docs(("b", 1), ("c", 1)), out _));
        Assert.Equal(1, overlay.Count);
        // "a" again does not count twice.
        Assert.True(overlay.TryReserve(3, Docs(("a", 1), ("b", 1)), out _));
        Assert.Equal(2, overlay.Count);

        var off = new RecentOverlay(0);
        Assert.False(off.Enabled);
        Assert.False(off.TryReserve(1, Docs(("a", 1)), out _));
    }

    [Fact]
    public void A_withdrawn_listing_is_never_shown_again_by_a_write_queued_before_the_withdrawal()
    {
        var overlay = new RecentOverlay(10);
        Assert.True(overlay.TryReserve(1, Docs(("a", 1), ("b", 1)), out _));
        overlay.MarkVisible(1);
        Assert.True(overlay.TryReserve(2, Docs(("a", 1)), out _));
        overlay.Withdraw(["a"]);
        Assert.Equal(["b"], overlay.Snapshot().Visible);
        overlay.MarkVisible(2);                      // the write queued before the takedown runs
        Assert.Equal(["b"], overlay.Snapshot().Visible);
        // Still known, so its recent documents are deleted when its latest flush completes.
        Assert.Equal(2, overlay.Count);
        Assert.Equal([("a", 1)], overlay.Finish(2));

        overlay.Clear();
        Assert.Empty(overlay.Snapshot().Visible);
        Assert.Equal(0, overlay.Count);
    }
}
