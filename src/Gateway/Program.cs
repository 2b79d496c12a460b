using SutazAi.Gateway.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddGateway();

var app = builder.Build();
app.MapGateway();
app.Run();

/// <summary>Entry point; public so WebApplicationFactory can find it.</summary>
public partial class Program;
