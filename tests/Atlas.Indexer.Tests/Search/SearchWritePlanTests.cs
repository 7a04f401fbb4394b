using Atlas.Indexer.Search;

namespace Atlas.Indexer.Tests.Search;

/// <summary>The search side's two decisions as pure functions, over every case, without a process.</summary>
public sealed class SearchWritePlanTests
{
    [Theory]
    // built, recorded, changed since the snapshot, removal pending → what the flush does
    [InlineData(2, 0, false, false, ListingWrite.Upsert)]
    [InlineData(2, 2, false, false, ListingWrite.Upsert)]
    [InlineData(3, 2, false, false, ListingWrite.Upsert)]
    [InlineData(1, 3, false, false, ListingWrite.Replace)]
    [InlineData(2, 0, false, true, ListingWrite.Upsert)] // shown again after a removal: documents come back
    [InlineData(1, 3, false, true, ListingWrite.Replace)]
    [InlineData(0, 0, false, false, ListingWrite.None)]
    [InlineData(0, 0, false, true, ListingWrite.None)]
    [InlineData(0, 2, false, false, ListingWrite.Delete)]
    [InlineData(0, 2, false, true, ListingWrite.AwaitRemoval)] // the lane was first: never delete twice
    [InlineData(2, 2, true, false, ListingWrite.Defer)] // built from an older state: never queued after a newer removal
    [InlineData(2, 2, true, true, ListingWrite.Defer)]
    [InlineData(0, 2, true, false, ListingWrite.Defer)]
    [InlineData(0, 0, true, false, ListingWrite.Defer)]
    public void Flush_decides_each_listing(int built, int recorded, bool changed, bool pending, ListingWrite expected) =>
        Assert.Equal(expected, SearchWritePlan.Flush(built, recorded, changed, pending));

    [Theory]
    // shown, recorded, removal pending → remove now
    [InlineData(false, 1, false, true)]
    [InlineData(false, 4, false, true)]
    [InlineData(false, 0, false, false)] // nothing in search to remove
    [InlineData(false, 1, true, false)] // already queued
    [InlineData(true, 1, false, false)] // an edit is the flusher's business
    [InlineData(true, 0, false, false)]
    public void The_lane_removes_only_what_search_holds_and_must_not_show(bool shown, int recorded, bool pending, bool expected) =>
        Assert.Equal(expected, SearchWritePlan.RemoveNow(shown, recorded, pending));

    [Theory]
    // shown, recorded → excluded from search at once
    [InlineData(false, 1, true)]
    [InlineData(false, 0, false)] // never in search: nothing to hide
    [InlineData(true, 1, false)] // an edit: never filtered out
    [InlineData(true, 0, false)]
    public void Only_withdrawn_listings_that_search_may_hold_are_excluded(bool shown, int recorded, bool expected) =>
        Assert.Equal(expected, SearchWritePlan.Exclude(shown, recorded));

    [Theory]
    // shown, documents left in search, count the flusher recorded → released from the exclusion
    [InlineData(false, true, 2, false)] // withdrawn and still in Meilisearch: keep filtering
    [InlineData(false, true, 0, false)]
    [InlineData(false, false, 2, false)] // not in the index yet, but an upsert may still be queued: keep filtering
    [InlineData(false, false, 0, true)] // deleted and recorded: the filter is no longer needed
    [InlineData(true, true, 2, true)] // shown again: never hide a listing that is not withdrawn
    [InlineData(true, false, 0, true)]
    public void An_exclusion_is_released_only_when_search_no_longer_holds_it_or_the_state_shows_it(bool shown, bool left, int recorded, bool expected) =>
        Assert.Equal(expected, SearchWritePlan.ReleaseExclusion(shown, left, recorded));

    [Theory]
    // listings in the overlay (of 50), quiet for, held for (s; gap 1 s, longest hold 10 s) → hold for (s; 0: queue now)
    [InlineData(1, 0.2, 0.2, 0.8)] // edits still coming: until the gap
    [InlineData(24, 0.0, 3.0, 1.0)]
    [InlineData(25, 0.0, 3.0, 0.0)] // half the recent index taken: the other half is for the edits during the write
    [InlineData(1, 1.0, 1.0, 0.0)] // quiet: the edits have stopped
    [InlineData(1, 0.1, 9.5, 0.5)] // never quiet: until the longest hold
    [InlineData(1, 0.1, 10.0, 0.0)]
    public void A_held_organisations_write_waits_for_a_quiet_gap_half_the_recent_index_or_the_longest_hold(int inOverlay, double quiet, double held, double expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), SearchWritePlan.HoldOrganisationsWrite(inOverlay, 50,
            TimeSpan.FromSeconds(quiet), TimeSpan.FromSeconds(held), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)));

    [Theory]
    [InlineData(ListingWrite.Delete, 0, 3, "l_0 l_1 l_2")]
    [InlineData(ListingWrite.Replace, 1, 3, "l_1 l_2")] // the upsert replaces l_0
    [InlineData(ListingWrite.Replace, 2, 3, "l_2")]
    [InlineData(ListingWrite.Upsert, 3, 3, "")]
    [InlineData(ListingWrite.Upsert, 4, 2, "")] // more places: the upsert adds them
    [InlineData(ListingWrite.None, 0, 0, "")]
    [InlineData(ListingWrite.AwaitRemoval, 0, 2, "")] // the lane deletes
    [InlineData(ListingWrite.Defer, 0, 2, "")]
    public void A_flush_deletes_by_id_exactly_the_documents_search_must_lose(ListingWrite write, int built, int recorded, string expected) =>
        Assert.Equal(expected, string.Join(' ', SearchWritePlan.DocIdsToDelete("l", write, built, recorded)));
}
