using Atlas.Protocol;
using Atlas.Protocol.Signing;

namespace Atlas.Indexer.State;

/// <summary>Reads a head JWS that this indexer verified before storing it.</summary>
public static class StoredHead
{
    /// <summary>The kid in the protected header of a stored head (null when there is none or it does not parse).</summary>
    public static string? Kid(string? headJws)
    {
        if (headJws is null)
        {
            return null;
        }
        try
        {
            return Jws.ParseCompact(headJws, JwsTypes.Head, ProtocolLimits.MaxHeadBytes).Header.Kid;
        }
        catch (ProtocolException)
        {
            return null;
        }
    }
}
