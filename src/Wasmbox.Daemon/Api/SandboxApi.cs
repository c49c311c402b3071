using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Wasmbox.Core.Api;
using Wasmbox.Core.Policy;
using Wasmbox.Core.Wasm;
using Wasmbox.Supervisor.Logs;
using Wasmbox.Supervisor.Modules;
using Wasmbox.Supervisor.Table;
using SupervisorCore = Wasmbox.Supervisor.Table.Supervisor;

namespace Wasmbox.Daemon.Api;

/// <summary>The <c>/v1/</c> routes: thin handlers that parse, call the supervisor, and map refusals to problem details.</summary>
internal static class SandboxApi
{
    /// <summary>The largest JSON body accepted (a spawn request with its stdin); modules have their own limit.</summary>
    public const int MaxJsonBytes = 16 << 20;

    public static void Map(IEndpointRouteBuilder app, SupervisorCore supervisor)
    {
        var v1 = app.MapGroup("/v1");

        v1.MapGet("/info", () => Results.Json(new DaemonInfo(
            typeof(SandboxApi).Assembly.GetName().Version?.ToString() ?? "0", Environment.ProcessId, supervisor.DataDir,
            supervisor.List(new SandboxFilter(SandboxState.Running)).Count, supervisor.Options.MaxLiveSandboxes, supervisor.LostAtOpen,
            supervisor.State.IntegrityCheck().FirstOrDefault() ?? "ok")
        {
            Pool = supervisor.Gauges.PoolSource?.Invoke(),
        }, ApiJson.Default.DaemonInfo));

        v1.MapPost("/modules", async (HttpContext context) =>
        {
            var limit = supervisor.Modules.MaxBytes;
            if (context.Request.ContentLength is { } length && length > limit)
                return Problems.TooLarge(context, $"the module is {length} bytes, more than the {Core.Units.ByteSize.Format(limit)} this daemon accepts");
            byte[] bytes;
            try { bytes = await ReadBody(context, limit); }
            catch (BodyTooLargeException) { return Problems.TooLarge(context, $"the module is larger than the {Core.Units.ByteSize.Format(limit)} this daemon accepts"); }
            if (CommandShape.Problem(bytes) is { } problem) return Problems.NotAModule(context, $"the uploaded module cannot run: {problem}");
            // A module no sandbox can link is refused here, from its import section, rather than at every spawn.
            try { Runtime.Modules.WasiCommandCheck.CheckImportSection(bytes, "the uploaded module"); }
            catch (Runtime.SetupException e) { return Problems.NotAModule(context, e.Message); }
            try
            {
                var sha = supervisor.Modules.Put(new MemoryStream(bytes));
                return Results.Json(new ModuleView(sha, bytes.Length), ApiJson.Default.ModuleView, statusCode: 201);
            }
            catch (ModuleStoreException e) when (e.Error == ModuleStoreError.TooLarge) { return Problems.TooLarge(context, e.Message); }
            catch (ModuleStoreException e) { return Problems.BadRequest(context, e.Message); }
        });

        v1.MapGet("/modules/{sha256}", (string sha256, HttpContext context) =>
            supervisor.Modules.PathOf(sha256) is { } path
                ? Results.Json(new ModuleView(sha256, new FileInfo(path).Length), ApiJson.Default.ModuleView)
                : Problems.NotFound(context, $"no module {sha256}; upload it with POST /v1/modules"));

        v1.MapPost("/sandboxes", async (HttpContext context) =>
        {
            SpawnRequest? request;
            try
            {
                var body = await ReadBody(context, MaxJsonBytes);
                request = JsonSerializer.Deserialize(body, ApiJson.Default.SpawnRequest);
            }
            catch (BodyTooLargeException) { return Problems.TooLarge(context, $"the request is larger than {MaxJsonBytes >> 20} MiB; upload large inputs as files"); }
            catch (JsonException e) { return Problems.BadRequest(context, $"the body is not a spawn request: {e.Message.Split('\n')[0]}"); }
            if (request is null) return Problems.BadRequest(context, "the body is empty; send a spawn request as JSON");

            SandboxPolicy policy;
            try
            {
                var settings = request.Policy is { } p ? PolicyFile.FromJson(p, "policy", "/") : new PolicySettings();
                RequireAbsolutePaths(settings);
                policy = settings.Build(_ => null, defaultStdin: new StdinSource.None());
            }
            catch (PolicyException e) { return Problems.BadPolicy(context, e.Message); }

            string sha;
            if (request.ModuleSha256 is { } given && request.ModulePath is null) sha = given;
            else if (request.ModulePath is { } path && request.ModuleSha256 is null)
            {
                var problem = DaemonSidePath(supervisor, path, context, out sha);
                if (problem is not null) return problem;
            }
            else return Problems.BadRequest(context, "name the module by exactly one of module_sha256 (uploaded) and module_path (on the daemon's host)");

            if (!RestartPolicy.TryParse(request.Restart, out var restart, out var restartError)) return Problems.BadRequest(context, restartError!);
            byte[]? stdin = null;
            if (request.StdinBase64 is { } encoded)
            {
                try { stdin = Convert.FromBase64String(encoded); }
                catch (FormatException) { return Problems.BadRequest(context, "stdin_base64 is not base64"); }
            }
            try
            {
                var record = supervisor.Create(new CreateSandboxRequest(sha, request.Args ?? [], policy)
                {
                    Argv0 = request.Argv0,
                    Name = request.Name,
                    Labels = request.Labels ?? new Dictionary<string, string>(),
                    Stdin = stdin,
                    Restart = restart,
                });
                context.Response.Headers.Location = $"/v1/sandboxes/{record.Id}";
                return Results.Json(Views.Of(record, supervisor.Logs), ApiJson.Default.SandboxView, statusCode: 201);
            }
            catch (SupervisorException e) { return Problems.Of(e, context); }
        });

        v1.MapGet("/sandboxes", (HttpContext context, string? state, string? label, string? name) =>
        {
            SandboxState? wanted = null;
            if (state is not null)
            {
                if (!SandboxStates.TryParse(state, out var parsed))
                    return Problems.BadRequest(context, $"state '{state}' is not one of created, running, backoff, exited, trapped, timeout, killed, memory_limit, failed, lost");
                wanted = parsed;
            }
            var list = supervisor.List(new SandboxFilter(wanted, label, name)).Select(r => Views.Of(r, supervisor.Logs)).ToList();
            return Results.Json(list, ApiJson.Default.ListSandboxView);
        });

        v1.MapGet("/sandboxes/{id}", (string id, HttpContext context) =>
            Guard(context, () => Results.Json(Views.WithRuns(supervisor.Get(id), supervisor.State, supervisor.Logs), ApiJson.Default.SandboxView)));

        v1.MapGet("/sandboxes/{id}/audit", (string id, int? run, HttpContext context) => Guard(context, () =>
        {
            var record = supervisor.Get(id);
            if (run is { } r && (r < 1 || r > record.Run)) return Problems.BadRequest(context, $"run {r}: sandbox {record.Id} has runs 1 to {record.Run}");
            var runs = supervisor.State.Runs(record.Id).Where(x => run is null || x.Run == run).ToList();
            var entries = supervisor.State.Refusals(record.Id, run).Select(x => new AuditEntry(x.Run, x.Refusal.Call, x.Refusal.Reason, x.Refusal.Errno)).ToList();
            var total = runs.Sum(x => x.Report?.Refusals ?? 0);
            return Results.Json(new AuditView(record.Id, total, total - entries.Count, entries), ApiJson.Default.AuditView);
        }));

        v1.MapPost("/sandboxes/{id}/kill", (string id, HttpContext context) => Guard(context, () =>
        {
            supervisor.Kill(id);
            return Results.Json(Views.Of(supervisor.Get(id), supervisor.Logs), ApiJson.Default.SandboxView, statusCode: 202);
        }));

        v1.MapPost("/sandboxes/{id}/wait", async (string id, HttpContext context) =>
        {
            try
            {
                var record = await supervisor.WaitAsync(id, context.RequestAborted);
                return Results.Json(Views.Of(record, supervisor.Logs), ApiJson.Default.SandboxView);
            }
            catch (SupervisorException e) { return Problems.Of(e, context); }
        });

        v1.MapDelete("/sandboxes/{id}", async (string id, bool? force, HttpContext context) =>
        {
            try
            {
                await supervisor.RemoveAsync(id, force ?? false, context.RequestAborted);
                return Results.NoContent();
            }
            catch (SupervisorException e) { return Problems.Of(e, context); }
        });

        v1.MapGet("/sandboxes/{id}/logs", async (string id, bool? follow, int? tail, string? since, string? stream, int? run, HttpContext context) =>
        {
            Wasmbox.Supervisor.State.SandboxRecord record;
            try { record = supervisor.Get(id); }
            catch (SupervisorException e) { return Problems.Of(e, context); }
            LogStream? which = null;
            if (stream is not null)
            {
                if (stream is not ("stdout" or "stderr")) return Problems.BadRequest(context, $"stream '{stream}': write stdout or stderr");
                which = LogStreams.Parse(stream);
            }
            DateTimeOffset? sinceAt = null;
            if (since is not null)
            {
                if (!DateTimeOffset.TryParse(since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                    return Problems.BadRequest(context, $"since '{since}': write an RFC 3339 time, e.g. 2026-12-05T20:00:00Z");
                sinceAt = at;
            }
            if (tail is < 0) return Problems.BadRequest(context, "tail must be 0 or more");
            if (run is { } r && (r < 1 || r > record.Run)) return Problems.BadRequest(context, $"run {r}: sandbox {record.Id} has runs 1 to {record.Run}");
            var query = new LogQuery(which, sinceAt, tail, run);
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers["X-Wasmbox-Log-Dropped-Bytes"] = supervisor.Logs.DroppedBytes(record.Id).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (follow == true)
            {
                await context.Response.StartAsync(context.RequestAborted);
                try
                {
                    await foreach (var chunk in supervisor.Logs.FollowAsync(record.Id, query, context.RequestAborted))
                    {
                        await context.Response.Body.WriteAsync(chunk.Data, context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                    }
                }
                catch (OperationCanceledException) { } // the client went away
                return Results.Empty;
            }
            foreach (var chunk in supervisor.Logs.Read(record.Id, query)) await context.Response.Body.WriteAsync(chunk.Data, context.RequestAborted);
            return Results.Empty;
        });
    }

    private static IResult Guard(HttpContext context, Func<IResult> action)
    {
        try { return action(); }
        catch (SupervisorException e) { return Problems.Of(e, context); }
    }

    /// <summary>A module on the daemon's host: allowed only beneath a root the operator allows for grants; read into the module store.</summary>
    private static IResult? DaemonSidePath(SupervisorCore supervisor, string path, HttpContext context, out string sha)
    {
        sha = "";
        if (!Path.IsPathFullyQualified(path)) return Problems.BadRequest(context, $"module_path '{path}' is not absolute; name the file from /");
        var violation = supervisor.Options.Ceilings.Check(SandboxPolicy.DenyAll with
        {
            Isolation = supervisor.Options.Ceilings.AllowedTiers.First(),
            Dirs = [new DirGrant(Path.GetDirectoryName(path)!, "/m", ReadOnly: true)],
        });
        if (violation is not null)
            return Problems.Forbidden(context, $"module_path {path} is outside the folders this daemon may read (--allow-grant); upload the module instead");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
            var head = new byte[Math.Min(file.Length, 1 << 20)];
            file.ReadExactly(head);
            if (CommandShape.Problem(head) is { } problem && file.Length <= head.Length) return Problems.NotAModule(context, $"{path} cannot run: {problem}");
            file.Position = 0;
            sha = supervisor.Modules.Put(file);
            return null;
        }
        catch (FileNotFoundException) { return Problems.NotFound(context, $"module_path {path}: no such file on the daemon's host"); }
        catch (DirectoryNotFoundException) { return Problems.NotFound(context, $"module_path {path}: no such file on the daemon's host"); }
        catch (UnauthorizedAccessException) { return Problems.Forbidden(context, $"module_path {path}: the daemon may not read it"); }
        catch (ModuleStoreException e) { return e.Error == ModuleStoreError.TooLarge ? Problems.TooLarge(context, e.Message) : Problems.BadRequest(context, e.Message); }
    }

    /// <summary>Grants and stdin files in an API request name host paths; relative ones would depend on the daemon's folder.</summary>
    private static void RequireAbsolutePaths(PolicySettings settings)
    {
        foreach (var grant in settings.Dirs.Concat(settings.RoDirs))
        {
            var host = grant.Text.Split("::")[0];
            if (!host.StartsWith('/'))
                throw new PolicyException($"{grant.Source} '{grant.Text}': the host folder must be an absolute path in a request to the daemon");
        }
        if (settings.Stdin is { Text: not ("none" or "inherit") } stdin)
            throw new PolicyException($"{stdin.Source}: a spawned sandbox takes its stdin from the request (stdin_base64), not from a file or the daemon's own");
        if (settings.Stdin is { Text: "inherit" } inherit)
            throw new PolicyException($"{inherit.Source}: a spawned sandbox cannot inherit the daemon's stdin; send stdin_base64");
        if (settings.Listen.Count > 0)
            throw new PolicyException("policy: listen: spawned sandboxes cannot listen yet; run them in the foreground with wasmbox run --listen");
    }

    private static async Task<byte[]> ReadBody(HttpContext context, long limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + n > limit) throw new BodyTooLargeException();
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private sealed class BodyTooLargeException : Exception;
}
