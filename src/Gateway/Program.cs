using SutazAi.Gateway.Hosting;

await GatewayApp.Build(args).RunAsync().ConfigureAwait(false);
