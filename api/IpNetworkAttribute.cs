using System.Net;
using Atlas.Hosting;

namespace Atlas.Api;

/// <summary>An IP address or CIDR network (or each entry of a list); a bare address is a network of one.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IpNetworkAttribute(string errorMessage) : SettingAttribute(errorMessage)
{
    protected override bool IsValidValue(string value) => IPNetwork.TryParse(NodeOptions.AsCidr(value), out _);
}
