using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Wasmbox.Core.Api;

namespace Wasmbox.Daemon.Tests;

/// <summary>
/// The real daemon (wasmbox-daemon.dll on this dotnet host), started on a private socket and data dir and stopped at
/// dispose, with a raw HTTP client over its socket and a way to run the real CLI against it.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly List<string> _output = [];

    private DaemonProcess(TempDir dir, string dataDir, string socket, Process process)
    {
        Dir = dir;
        DataDir = dataDir;
        Socket = socket;
        Process = process;
        Http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel);
                return new NetworkStream(s, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://wasmbox/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public TempDir Dir { get; }
    public string DataDir { get; }
    public string Socket { get; }
    public Process Process { get; }
    public HttpClient Http { get; }
    public string Host => "unix://" + Socket;

    /// <summary>What the daemon printed (stdout and stderr).</summary>
    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    /// <summary>Starts a daemon with <paramref name="extra"/> flags; by default it allows the process and jail tiers.</summary>
    public static DaemonProcess Start(params string[] extra) => Start(null, extra);

    public static DaemonProcess Start(TempDir? reuse, params string[] extra)
    {
        var dir = reuse ?? new TempDir("wasmbox-daemon");
        var dataDir = Path.Combine(dir.Path, "data");
        var socket = Path.Combine(dir.Path, "d.sock");
        string[] tiers = extra.Contains("--allow-isolation") ? [] : ["--allow-isolation", "process", "--allow-isolation", "jail"];
        // A test's daemon stops at once at its end unless the test is about the grace: sandboxes left running are killed.
        string[] grace = extra.Contains("--shutdown-grace") ? [] : ["--shutdown-grace", "0s"];
        var process = StartRaw(["--socket", socket, "--data-dir", dataDir, .. tiers, .. grace, .. extra]);
        var daemon = new DaemonProcess(dir, dataDir, socket, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (daemon._output) daemon._output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (daemon._output) daemon._output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!daemon.Answers())
        {
            if (process.HasExited) throw new InvalidOperationException($"the daemon exited ({process.ExitCode}): {daemon.Output}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"the daemon did not answer within 30 s: {daemon.Output}");
            Thread.Sleep(50);
        }
        return daemon;
    }

    /// <summary>wasmbox-daemon with exactly these arguments, its output redirected (not yet read).</summary>
    public static Process StartRaw(string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wasmbox-daemon.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private bool Answers()
    {
        if (!File.Exists(Socket)) return false;
        try
        {
            using var response = Http.GetAsync("v1/info").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException) { return false; }
    }

    public static string DotnetHost => Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet";

    /// <summary>The real CLI (wasmbox.dll) with <c>--host</c> pointing at this daemon added after the verb.</summary>
    public (int Exit, string Stdout, string Stderr) Cli(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Guests.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wasmbox.dll"));
        start.Environment[DaemonAddress.HostVariable] = Host;
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("wasmbox did not finish: " + string.Join(' ', args));
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? json = null, byte[]? bytes = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (bytes is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/wasm");
        }
        var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task<string> UploadAsync(string modulePath)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, "v1/modules", bytes: File.ReadAllBytes(modulePath));
        Assert.Equal(201, status);
        return JsonSerializer.Deserialize(body, ApiJson.Default.ModuleView)!.Sha256;
    }

    public async Task<SandboxView> SpawnAsync(string sha, string policyJson, params string[] args)
    {
        var argList = string.Join(',', args.Select(a => JsonSerializer.Serialize(a)));
        var (status, body, _) = await SendAsync(HttpMethod.Post, "v1/sandboxes", $$$"""{"module_sha256":"{{{sha}}}","args":[{{{argList}}}],"policy":{{{policyJson}}}}""");
        Assert.True(status == 201, $"spawn answered {status}: {body}");
        return JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!;
    }

    public async Task<SandboxView> WaitAsync(string id)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, $"v1/sandboxes/{id}/wait");
        Assert.Equal(200, status);
        return JsonSerializer.Deserialize(body, ApiJson.Default.SandboxView)!;
    }

    public static ProblemDetails Problem(string body) => JsonSerializer.Deserialize(body, ApiJson.Default.ProblemDetails)!;

    /// <summary>SIGTERM, and waits until the daemon has exited (its graceful shutdown).</summary>
    public int Terminate(TimeSpan within)
    {
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
        if (!Process.WaitForExit(within)) throw new TimeoutException($"the daemon did not exit within {within} of SIGTERM: {Output}");
        return Process.ExitCode;
    }

    /// <summary>SIGKILL: nothing of the daemon's own cleanup runs.</summary>
    public void KillHard()
    {
        Process.Kill();
        Process.WaitForExit();
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!Process.HasExited)
        {
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
            if (!Process.WaitForExit(TimeSpan.FromSeconds(15))) Process.Kill(entireProcessTree: true);
        }
        Process.Dispose();
        Dir.Dispose();
    }
}
