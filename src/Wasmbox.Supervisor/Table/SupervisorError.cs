namespace Wasmbox.Supervisor.Table;

/// <summary>Why the supervisor refused a request. Each has one stable <c>type</c> code and one HTTP status (<see cref="SupervisorErrors"/>).</summary>
public enum SupervisorError
{
    /// <summary>The request itself is malformed (bad name, bad label, bad hash, empty argv0).</summary>
    BadRequest,
    SandboxNotFound,
    ModuleNotFound,
    /// <summary>The stored module no longer matches its hash; it was deleted and must be uploaded again.</summary>
    ModuleCorrupt,
    ModuleTooLarge,
    NameTaken,
    /// <summary>Removing a live sandbox without force.</summary>
    SandboxRunning,
    /// <summary>Killing a sandbox that has already stopped.</summary>
    SandboxNotRunning,
    CeilingExceeded,
    TooManySandboxes,
}

/// <summary>The one place that names the error codes the HTTP layer puts in problem details' <c>type</c>, and their status codes.</summary>
public static class SupervisorErrors
{
    public static string Code(this SupervisorError error) => error switch
    {
        SupervisorError.BadRequest => "bad-request",
        SupervisorError.SandboxNotFound => "sandbox-not-found",
        SupervisorError.ModuleNotFound => "module-not-found",
        SupervisorError.ModuleCorrupt => "module-corrupt",
        SupervisorError.ModuleTooLarge => "module-too-large",
        SupervisorError.NameTaken => "name-taken",
        SupervisorError.SandboxRunning => "sandbox-running",
        SupervisorError.SandboxNotRunning => "sandbox-not-running",
        SupervisorError.CeilingExceeded => "ceiling-exceeded",
        SupervisorError.TooManySandboxes => "too-many-sandboxes",
    };

    public static int HttpStatus(this SupervisorError error) => error switch
    {
        SupervisorError.BadRequest => 400,
        SupervisorError.SandboxNotFound => 404,
        SupervisorError.ModuleNotFound => 404,
        SupervisorError.ModuleCorrupt => 422,
        SupervisorError.ModuleTooLarge => 413,
        SupervisorError.NameTaken => 409,
        SupervisorError.SandboxRunning => 409,
        SupervisorError.SandboxNotRunning => 409,
        SupervisorError.CeilingExceeded => 403,
        SupervisorError.TooManySandboxes => 429,
    };
}

/// <summary>A refused request: <see cref="Error"/> says which kind (and so the status code), the message says what to do.</summary>
public sealed class SupervisorException(SupervisorError error, string message) : Exception(message)
{
    public SupervisorError Error { get; } = error;
}
