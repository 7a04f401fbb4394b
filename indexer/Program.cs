using Atlas.Indexer.Cli;

return await IndexerCli.RunAsync(args);
