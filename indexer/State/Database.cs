using Atlas.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Atlas.Indexer.State;

/// <summary>The state database on the shared convention of <see cref="SqliteDatabase"/> (WAL, synchronous FULL,
/// busy timeout, foreign keys, migrations in PRAGMA user_version); created when missing.</summary>
public sealed class Database(IOptions<IndexerOptions> options)
{
    public SqliteDatabase Sqlite { get; } = Create(options.Value.Database);

    private static SqliteDatabase Create(string file)
    {
        var path = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new SqliteDatabase(path, Migrations, createIfMissing: true);
    }

    public SqliteConnection Open() => Sqlite.Open();

    public void Migrate() => Sqlite.Migrate();

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE peers (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            root_kid TEXT NOT NULL,
            name TEXT,
            node_id TEXT UNIQUE,
            node_name TEXT,
            keyset_json TEXT,
            keyset_version INTEGER,
            keyset_exp INTEGER,
            head_jws TEXT,
            head_feed_seq INTEGER,
            head_root TEXT,
            head_iat INTEGER,
            head_exp INTEGER,
            cursor INTEGER NOT NULL DEFAULT 0,
            hidden_reason TEXT,
            last_success INTEGER,
            last_attempt INTEGER,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL DEFAULT 0,
            added_at INTEGER NOT NULL
        );
        -- One row per (node, listing id): the latest verified version the node's feed names. The head root
        -- is computed over exactly these rows, whatever their state.
        CREATE TABLE listings (
            node TEXT NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            jws TEXT NOT NULL,
            kid TEXT NOT NULL,
            status TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            review_by TEXT,
            first_seen INTEGER NOT NULL,
            initial INTEGER NOT NULL DEFAULT 0,
            verified_at INTEGER NOT NULL,
            shown_jws TEXT,
            shown_kid TEXT,
            held_until INTEGER,
            touched_at INTEGER NOT NULL,
            PRIMARY KEY (node, id)
        ) WITHOUT ROWID;
        CREATE INDEX listings_by_id ON listings (id, first_seen);
        CREATE INDEX listings_held ON listings (held_until) WHERE held_until IS NOT NULL;
        CREATE INDEX listings_touched ON listings (touched_at);
        CREATE TABLE relationships (
            source_node TEXT NOT NULL,
            source_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            PRIMARY KEY (source_node, source_id, target_id)
        ) WITHOUT ROWID;
        CREATE INDEX relationships_target ON relationships (target_id);
        CREATE TABLE names (
            node TEXT NOT NULL,
            id TEXT NOT NULL,
            skeleton TEXT NOT NULL,
            PRIMARY KEY (node, id, skeleton)
        ) WITHOUT ROWID;
        CREATE INDEX names_skeleton ON names (skeleton);
        -- Quarantine and evidence: refused objects exactly as received, deduplicated by content.
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            node TEXT,
            listing_id TEXT,
            seq INTEGER,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            raw TEXT NOT NULL,
            raw_hash TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX evidence_dedup ON evidence (reason, raw_hash);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            node TEXT,
            listing_id TEXT,
            message TEXT NOT NULL,
            since INTEGER NOT NULL,
            resolved_at INTEGER
        );
        CREATE UNIQUE INDEX alerts_open ON alerts (kind, IFNULL(node, ''), IFNULL(listing_id, '')) WHERE resolved_at IS NULL;
        CREATE INDEX alerts_listing ON alerts (listing_id) WHERE resolved_at IS NULL;
        -- Listing ids whose search documents must be recomputed. Written in the same transaction as the
        -- state change; drained idempotently by the flusher.
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            listing_id TEXT NOT NULL
        );
        CREATE TABLE search_docs (
            listing_id TEXT PRIMARY KEY,
            doc_count INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        """
        -- Every keyset version this indexer trusted, per node, oldest first: the chain a browser walks from the pinned
        -- root to the current keyset (docs/search-documents.md, "Signed index"). Before this table only the newest
        -- version was kept, so an existing peer's chain starts there.
        CREATE TABLE keysets (
            node TEXT NOT NULL,
            version INTEGER NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (node, version)
        ) WITHOUT ROWID;
        INSERT INTO keysets (node, version, json)
            SELECT node_id, keyset_version, keyset_json FROM peers
            WHERE node_id IS NOT NULL AND keyset_version IS NOT NULL AND keyset_json IS NOT NULL;
        -- Which keyset version of each node the signed index holds (the flusher publishes the difference).
        CREATE TABLE search_keysets (
            node TEXT PRIMARY KEY,
            version INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 3: open alerts are counted per node (status, readiness).
        """
        CREATE INDEX alerts_open_by_node ON alerts (node) WHERE resolved_at IS NULL;
        """,
        // 4: a pass is staged here instead of in memory (docs/protocol.md §6.2 steps 4–7, StagingStore).
        """
        -- The pass of one peer in progress: the head it syncs to and how far its change feed is fetched. Every
        -- version with feed_seq <= next_after (all of them once next_after is NULL) is in pass_versions, written
        -- in the same transaction as next_after, so a killed pass resumes where it stopped when the head is the same.
        CREATE TABLE pass_progress (
            peer_id INTEGER PRIMARY KEY,
            after INTEGER NOT NULL,
            until INTEGER NOT NULL,
            root TEXT NOT NULL,
            keyset_version INTEGER NOT NULL,
            next_after INTEGER,
            pages INTEGER NOT NULL
        );
        -- Verified versions of the pass in progress (signature, payload and shape checked; no state rule yet).
        CREATE TABLE pass_versions (
            peer_id INTEGER NOT NULL,
            feed_seq INTEGER NOT NULL,
            jws TEXT NOT NULL,
            PRIMARY KEY (peer_id, feed_seq)
        );
        -- The staged state of the pass being committed (§6.2 step 5): written and emptied inside the commit's one
        -- write transaction, so they are empty outside it. Same columns as listings.
        CREATE TABLE pass_rows (
            node TEXT NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            jws TEXT NOT NULL,
            kid TEXT NOT NULL,
            status TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            review_by TEXT,
            first_seen INTEGER NOT NULL,
            initial INTEGER NOT NULL DEFAULT 0,
            verified_at INTEGER NOT NULL,
            shown_jws TEXT,
            shown_kid TEXT,
            held_until INTEGER,
            touched_at INTEGER NOT NULL,
            PRIMARY KEY (node, id)
        );
        -- Alerts to raise (resolve = 0) or resolve (resolve = 1) when the staged pass commits, in decision order.
        CREATE TABLE pass_alerts (
            ord INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            node TEXT,
            listing_id TEXT,
            message TEXT NOT NULL,
            resolve INTEGER NOT NULL
        );
        """,
    ];
}
