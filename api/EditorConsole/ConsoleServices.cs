using Atlas.Api.Admin;
using Atlas.Api.Data;
using Fido2NetLib;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Atlas.Api.EditorConsole;

public static class ConsoleServices
{
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton(sp =>
        {
            using var conn = sp.GetRequiredService<NodeStore>().Open();
            var node = NodeIdentity.Load(conn);
            return ConsoleSite.Resolve(sp.GetRequiredService<IOptions<ConsoleOptions>>().Value, node.NodeId, node.Name, node.BaseUrl);
        });
        services.AddSingleton<IFido2>(sp =>
        {
            var site = sp.GetRequiredService<ConsoleSite>();
            return new Fido2(new Fido2Configuration { RPID = site.RpId, RPName = site.NodeName, Origins = new HashSet<string> { site.Origin } });
        });
        services.AddSingleton<Ceremonies>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ConsoleSessionHandler>(ConsoleSessionHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleApi.EditorPolicy, p => p.AddAuthenticationSchemes(ConsoleSessionHandler.SchemeName).RequireRole(Tokens.Editor, Tokens.Admin))
            .AddPolicy(ConsoleApi.AdminPolicy, p => p.AddAuthenticationSchemes(ConsoleSessionHandler.SchemeName).RequireRole(Tokens.Admin));
        return services;
    }
}
