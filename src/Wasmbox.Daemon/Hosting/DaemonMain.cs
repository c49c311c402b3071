using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wasmbox.Core.Policy;
using Wasmbox.Daemon.Api;
using Wasmbox.Daemon.Metrics;
using Wasmbox.Supervisor.State;
using Wasmbox.Supervisor.Table;
using SupervisorCore = Wasmbox.Supervisor.Table.Supervisor;

namespace Wasmbox.Daemon.Hosting;

/// <summary>
/// Starts the daemon: takes the data dir (one daemon per data dir), opens the supervisor (leftovers become <c>lost</c>),
/// binds the Unix socket with mode 0600, serves the API until SIGTERM/SIGINT, then stops every sandbox it runs.
/// </summary>
/// <remarks>
/// Order matters: the data-dir lock is taken before the socket is touched, so a second daemon on the same data dir
/// fails without disturbing the first one's socket. A socket file with nobody listening (left by a killed daemon) is
/// replaced; one that answers belongs to a live daemon and is refused.
/// </remarks>
public static class DaemonMain
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("wasmbox daemon: runs many sandboxes, keeps their state and logs in a data dir, and answers the HTTP/JSON API on a Unix socket.");
        foreach (var option in DaemonOptions.All) root.Options.Add(option);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"wasmbox: {parsed.Errors[0].Message.TrimEnd('.')}; see 'wasmbox daemon --help'");
            return 125;
        }
        // --help and --version print and exit (System.CommandLine's own actions); they must never start a daemon.
        if (parsed.Action is not null && parsed.CommandResult.Command == root && args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
            return await parsed.InvokeAsync();

        DaemonSettings settings;
        try { settings = DaemonOptions.Read(parsed); }
        catch (PolicyException e) { return Fail(e.Message); }

        try { return await ServeAsync(settings); }
        catch (DataDirLockedException e) { return Fail(e.Message); }
        catch (StateStoreException e) { return Fail(e.Message); }
        catch (DaemonStartException e) { return Fail(e.Message); }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("wasmbox: " + message);
        return 125;
    }

    private static async Task<int> ServeAsync(DaemonSettings settings)
    {
        Directory.CreateDirectory(settings.DataDir);
        // Declared before the supervisor, so it is disposed after it: the supervisor stops every sandbox first, and a
        // pool must outlive the runs that took its workers (see WorkerPool).
        using var pool = settings.Pool > 0 ? LaunchStarter.OpenPool(settings) : null;
        await using var supervisor = await SupervisorCore.OpenAsync(settings.DataDir, new LaunchStarter(settings.DataDir, pool), new SupervisorOptions
        {
            Ceilings = settings.Ceilings,
            MaxLiveSandboxes = settings.MaxSandboxes,
            Logs = new Wasmbox.Supervisor.Logs.LogOptions { MaxBytesPerSandbox = settings.LogLimitBytes },
            ShutdownGrace = settings.ShutdownGrace,
        });
        if (pool is not null)
        {
            supervisor.Gauges.PoolSizeSource = () => pool.Ready;
            supervisor.Gauges.PoolSource = () => new Wasmbox.Core.Api.PoolView(pool.Size, pool.Ready, pool.Taken, pool.Missed);
            pool.Missing = () => supervisor.Events.Publish(Wasmbox.Supervisor.Events.SandboxEvent.PoolEmpty("default",
                $"no pre-started worker was ready (--pool {pool.Size}); the sandbox starts its own"));
        }
        PrepareSocket(settings.Socket);
        var token = settings.TokenFile is { } tokenFile ? ReadToken(tokenFile) : null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = supervisor.Modules.MaxBytes + 1;
            kestrel.AddServerHeader = false;
            kestrel.ListenUnixSocket(settings.Socket);
            if (settings.Tcp is { } tcp) kestrel.Listen(ParseLoopback(tcp));
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var app = builder.Build();

        if (token is not null)
        {
            // Unix-socket clients are vouched for by the socket's mode (0600); a TCP client must show the token.
            app.Use(async (context, next) =>
            {
                if (context.Connection.LocalIpAddress is not null && !TokenMatches(context.Request.Headers.Authorization.ToString(), token))
                {
                    await Problems.Unauthorized(context).ExecuteAsync(context);
                    return;
                }
                await next(context);
            });
        }
        SandboxApi.Map(app, supervisor);
        EventsApi.Map(app, supervisor);
        MetricsApi.Map(app, new DaemonMetrics(supervisor));
        StatsApi.Map(app, supervisor);
        app.MapGet("/openapi.json", () => Results.Text(OpenApiDocument.Json, "application/json"));

        // umask 077 while Kestrel creates the socket: it is born 0600, never briefly open to others.
        var previous = Interop.Umask(0b000_111_111);
        try { await app.StartAsync(); }
        catch (IOException e) { throw new DaemonStartException($"cannot listen on {settings.Socket}: {e.Message}; pass --socket with a path you may create"); }
        finally { Interop.Umask(previous); }
        File.SetUnixFileMode(settings.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Console.Error.WriteLine($"wasmbox: daemon {Environment.ProcessId} listening on {settings.Socket}, data in {settings.DataDir}" +
                                (supervisor.LostAtOpen > 0 ? $"; {supervisor.LostAtOpen} sandbox(es) of a previous daemon are marked lost" : ""));

        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        TryDelete(settings.Socket);
        return 0;
    }

    /// <summary>Makes the socket's folder (0700 when we create it) and removes a stale socket, refusing a live one.</summary>
    private static void PrepareSocket(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!File.Exists(path) && !Directory.Exists(path)) return;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            throw new DaemonStartException($"another daemon is listening on {path}; stop it, or pass --socket with another path");
        }
        catch (SocketException)
        {
            // Nobody answers: a socket left by a daemon that was killed.
            TryDelete(path);
        }
    }

    private static IPEndPoint ParseLoopback(string text)
    {
        if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
            throw new DaemonStartException($"--tcp {text}: write 127.0.0.1:PORT or [::1]:PORT");
        if (!IPAddress.IsLoopback(endpoint.Address))
            throw new DaemonStartException($"--tcp {text}: the daemon listens on loopback only (127.0.0.1 or ::1); put a proxy in front for anything else");
        return endpoint;
    }

    private static byte[] ReadToken(string file)
    {
        try
        {
            var text = File.ReadAllText(file).Trim();
            if (text.Length < 16) throw new DaemonStartException($"--token-file {file}: the token is shorter than 16 characters; use a long random one");
            return Encoding.UTF8.GetBytes(text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"--token-file {file}: cannot read it ({e.Message})");
        }
    }

    private static bool TokenMatches(string header, byte[] token) =>
        header.StartsWith("Bearer ", StringComparison.Ordinal)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), token);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

/// <summary>The daemon cannot start (socket busy, bad --tcp); the message says what to do.</summary>
internal sealed class DaemonStartException(string message) : Exception(message);
