using Microsoft.AspNetCore.Http;
using Wasmbox.Core.Api;
using Wasmbox.Supervisor.Table;

namespace Wasmbox.Daemon.Api;

/// <summary>
/// Every error the API returns, as RFC 7807 problem details with a stable <c>type</c> code and the same one line the CLI
/// prints. The one place that maps failures to status codes.
/// </summary>
internal static class Problems
{
    public static IResult Of(SupervisorException e, HttpContext context) => e.Error switch
    {
        SupervisorError.TooManySandboxes => Result(context, e.Error.HttpStatus(), e.Error.Code(), "Too many sandboxes", e.Message, retryAfterSeconds: 1),
        _ => Result(context, e.Error.HttpStatus(), e.Error.Code(), Title(e.Error), e.Message),
    };

    public static IResult BadRequest(HttpContext context, string detail) => Result(context, 400, "bad-request", "Bad request", detail);

    public static IResult BadPolicy(HttpContext context, string detail) => Result(context, 400, "bad-policy", "Bad policy", detail);

    public static IResult NotAModule(HttpContext context, string detail) => Result(context, 422, "not-a-wasi-command", "Not a WASI command module", detail);

    public static IResult TooLarge(HttpContext context, string detail) => Result(context, 413, "body-too-large", "Request body too large", detail);

    public static IResult Forbidden(HttpContext context, string detail) => Result(context, 403, "ceiling-exceeded", "Beyond the operator's ceiling", detail);

    public static IResult NotFound(HttpContext context, string detail) => Result(context, 404, "not-found", "Not found", detail);

    public static IResult Unauthorized(HttpContext context) =>
        Result(context, 401, "unauthorized", "Unauthorized", "send the daemon's token as 'Authorization: Bearer TOKEN' (see --token-file)");

    private static IResult Result(HttpContext context, int status, string code, string title, string detail, int? retryAfterSeconds = null)
    {
        if (retryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = new ProblemDetails(ProblemTypes.For(code), title, status, detail, context.Request.Path);
        return Results.Json(body, ApiJson.Default.ProblemDetails, contentType: "application/problem+json", statusCode: status);
    }

    private static string Title(SupervisorError error) => error switch
    {
        SupervisorError.BadRequest => "Bad request",
        SupervisorError.SandboxNotFound => "No such sandbox",
        SupervisorError.ModuleNotFound => "No such module",
        SupervisorError.ModuleCorrupt => "Stored module is corrupt",
        SupervisorError.ModuleTooLarge => "Module too large",
        SupervisorError.NameTaken => "Name taken",
        SupervisorError.SandboxRunning => "Sandbox is running",
        SupervisorError.SandboxNotRunning => "Sandbox is not running",
        SupervisorError.CeilingExceeded => "Beyond the operator's ceiling",
        SupervisorError.TooManySandboxes => "Too many sandboxes",
        _ => "Error",
    };
}
