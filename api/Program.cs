using Atlas.Api.Admin;
using Atlas.Api.Cli;
using Atlas.Api.EditorConsole;
using Atlas.Api.Extensions;
using Atlas.Api.Federation;
using Atlas.Api.Organisations;
using Atlas.Api.Pages;
using Atlas.Api.Submissions;
using Atlas.Hosting;
using Microsoft.Extensions.Options;

// CLI commands (init, token, import, export, withdraw, keys, backup) run and exit here.
if (await CliApp.RunAsync(args) is { } exitCode)
{
    return exitCode;
}

// Settings come from next to the executable, wherever the node is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = CliApp.ServeArgs(args), ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults("atlas-node");
builder.AddNode();

var app = builder.Build();
app.UseNode();
app.MapDefaultEndpoints();
app.MapFederation();
app.MapOrganisations();
app.MapSubmissions();
app.MapAdmin();
app.MapConsole();
app.MapPages();

if (CliApp.ListRoutes(args))
{
    CliApp.PrintRoutes(app);
    return 0;
}

try
{
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    return CommandLineRunner.InvalidConfiguration(e);
}
