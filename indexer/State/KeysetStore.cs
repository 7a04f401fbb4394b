namespace Atlas.Indexer.State;

/// <summary>The keyset history section: every keyset version this indexer trusted per node, oldest first (the chain a
/// browser walks from the pinned root, docs/search-documents.md "Signed index"), and which version of each node the
/// signed index holds.</summary>
public sealed class KeysetStore(StateSession s)
{
    /// <summary>Records newly trusted versions (in order; a version already recorded is replaced by the same bytes).</summary>
    public void Add(string node, IEnumerable<(long Version, string Json)> versions)
    {
        foreach (var (version, json) in versions)
        {
            s.Execute("INSERT OR REPLACE INTO keysets (node, version, json) VALUES (@node, @version, @json)", new { node, version, json });
        }
    }

    /// <summary>Every trusted version of a node, oldest first.</summary>
    public IReadOnlyList<string> Chain(string node) =>
        s.Query<string>("SELECT json FROM keysets WHERE node = @node ORDER BY version", new { node });

    public void RemoveNode(string node) => s.Execute("DELETE FROM keysets WHERE node = @node", new { node });

    /// <summary>Nodes whose trusted keyset version differs from the one the signed index holds
    /// (<paramref name="all"/>: every node, for a rebuilt index).</summary>
    public IReadOnlyList<(string Node, long Version)> ToPublish(bool all = false) =>
        s.Query<(string, long)>(
            """
            SELECT p.node_id, p.keyset_version FROM peers p LEFT JOIN search_keysets k ON k.node = p.node_id
            WHERE p.node_id IS NOT NULL AND p.keyset_version IS NOT NULL AND (@all OR k.version IS NULL OR k.version != p.keyset_version)
            ORDER BY p.node_id
            """, new { all });

    /// <summary>Nodes the signed index holds a keyset chain for that are no longer peers.</summary>
    public IReadOnlyList<string> ToRemove() =>
        s.Query<string>("SELECT node FROM search_keysets WHERE node NOT IN (SELECT node_id FROM peers WHERE node_id IS NOT NULL)");

    /// <summary>Records what the signed index now holds (<paramref name="replace"/>: exactly this, after a rebuild).</summary>
    public void MarkPublished(IReadOnlyList<(string Node, long Version)> published, IReadOnlyList<string> removed, bool replace = false)
    {
        if (replace)
        {
            s.Execute("DELETE FROM search_keysets");
        }
        foreach (var (node, version) in published)
        {
            s.Execute("INSERT OR REPLACE INTO search_keysets (node, version) VALUES (@node, @version)", new { node, version });
        }
        foreach (var node in removed)
        {
            s.Execute("DELETE FROM search_keysets WHERE node = @node", new { node });
        }
    }
}
