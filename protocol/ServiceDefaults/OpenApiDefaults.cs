using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Atlas.Hosting;

/// <summary>What a client author needs in the node's and the indexer's <c>/openapi/v1.json</c>, the same way in both:
/// a title and description, tag descriptions, servers without a trailing slash, and the bearer scheme declared and
/// required on every route whose authorization policy is one of <c>bearerPolicies</c> (the root <c>security: [{}]</c> covers the others: public routes, and the console routes whose session cookie the document does not model).
/// Routes that read no body list their 413 (<see cref="RequestBodyLimits"/>). Summaries, operation ids and the other 4xx
/// answers are declared on each route (WithName, WithSummary, ProducesProblem).</summary>
public static class OpenApiDefaults
{
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddOpenApiDefaults(
        this IServiceCollection services, string title, string description, IReadOnlyDictionary<string, string> tagDescriptions,
        IReadOnlySet<string>? bearerPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(tagDescriptions);
        return services.AddOpenApi(options =>
        {
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (bearerPolicies is not null && metadata.OfType<IAuthorizeData>().Any(a => a.Policy is { } policy && bearerPolicies.Contains(policy))
                    && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
                }

                if (RequestBodyLimits.ReadsNoBody(metadata))
                {
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd("413", new OpenApiResponse { Description = "A request body was sent; this route reads none." });
                }

                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = title;
                document.Info.Description = description;
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                {
                    if (tag.Name is { } name && tagDescriptions.TryGetValue(name, out var text))
                    {
                        tag.Description = text;
                    }
                }

                var secured = document.Paths?.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()).Any(o => o.Security is { Count: > 0 }) ?? false;
                if (secured)
                {
                    document.Components ??= new OpenApiComponents();
                    document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                    document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        Description = "A bearer token issued by the operator of this service (docs/operations.md).",
                    };
                }

                document.Security = [new OpenApiSecurityRequirement()];
                return Task.CompletedTask;
            });
        });
    }
}
