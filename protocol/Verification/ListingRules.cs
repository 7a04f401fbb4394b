using Atlas.Protocol.Model;

namespace Atlas.Protocol.Verification;

/// <summary>Shape rules of a listing payload (the organisation itself is checked by
/// <see cref="OrganisationValidator"/>).</summary>
public static class ListingRules
{
    public static void Check(ListingPayload p)
    {
        static ProtocolException Bad(string m) => new(ProtocolError.Invalid, m);
        if (!Identifiers.IsNodeId(p.Iss))
        {
            throw Bad("Listing iss is not a valid node id.");
        }
        if (!Identifiers.IsListingId(p.Id))
        {
            throw Bad("Listing id must be a lowercase UUID.");
        }
        if (p.Seq is < 1 or > ProtocolLimits.MaxSeq)
        {
            throw new ProtocolException(ProtocolError.FastForward, $"Listing seq {p.Seq} is out of range 1..{ProtocolLimits.MaxSeq}.");
        }
        if ((p.Seq == 1) != (p.Prev is null))
        {
            throw Bad("prev is null exactly when seq is 1.");
        }
        if (p.Iat <= 0)
        {
            throw Bad("iat must be a positive unix time.");
        }
        switch (p.Status)
        {
            case ListingStatus.Tombstone when p.Org is not null:
                throw Bad("A tombstone carries no organisation data.");
            case ListingStatus.Active when p.Org is null:
                throw Bad("An active listing carries an organisation.");
            case ListingStatus.Active:
                var errors = OrganisationValidator.Validate(p.Org!);
                if (errors.Count > 0)
                {
                    throw Bad($"Organisation is invalid: {errors[0].Field}: {errors[0].Message}");
                }
                break;
            case ListingStatus.Tombstone:
                break;
            default:
                throw Bad($"Unknown listing status '{p.Status}'.");
        }
    }
}
