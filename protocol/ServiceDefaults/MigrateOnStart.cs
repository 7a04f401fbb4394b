using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Atlas.Hosting;

/// <summary>Brings the host's database schema up to date before the workers and the HTTP server start (hosted
/// services start in registration order: register it first).</summary>
public sealed class MigrateOnStart(SqliteDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        database.Migrate();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class MigrateOnStartExtensions
{
    public static IServiceCollection AddMigrateOnStart(this IServiceCollection services, Func<IServiceProvider, SqliteDatabase> database) =>
        services.AddHostedService(sp => new MigrateOnStart(database(sp)));
}
