namespace SutazAi.Gateway.Auth;

internal static class Roles
{
    public const string Admin = "admin";
    public const string User = "user";
}
