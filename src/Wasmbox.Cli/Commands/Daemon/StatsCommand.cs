using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Wasmbox.Core.Api;
using Wasmbox.Core.Units;

namespace Wasmbox.Cli.Commands.Daemon;

/// <summary>
/// <c>wasmbox stats [ID…] [--no-stream] [--json]</c>: a live table of the daemon's sandboxes, like <c>docker stats</c>:
/// CPU %, memory against its cap, processes, uptime, run and restarts; then what the guest itself counted, each against
/// its limit: linear memory, fuel, output, disk writes, open descriptors.
/// </summary>
internal sealed class StatsCommand
{
    private readonly Argument<string[]> _ids = new("ID") { Description = "Sandboxes (id or name); default: every live one.", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _noStream = new("--no-stream") { Description = "Print one sample and exit." };
    private readonly Option<bool> _json = new("--json") { Description = "JSON: an array with --no-stream, else one object per line (NDJSON)." };
    private readonly Option<string?> _host = HostOption.Create();

    public StatsCommand()
    {
        Command = new Command("stats", "Show the daemon's sandboxes' use, live: CPU %, memory against its limit, processes, uptime, restarts, and the guest's own linear memory, fuel, output, disk writes and open descriptors against their limits (one line per sandbox, every second).")
        {
            _ids, _noStream, _json, _host,
        };
        Command.SetAction(Execute);
    }

    public Command Command { get; }

    private int Execute(ParseResult parsed) => HostOption.Call(parsed, _host, async scope =>
    {
        var ids = parsed.GetValue(_ids) ?? [];
        var json = parsed.GetValue(_json);
        if (parsed.GetValue(_noStream))
        {
            var views = await scope.Client.StatsAsync(ids);
            if (json) scope.Stdout.WriteLine(JsonSerializer.Serialize(views, ApiJson.Default.ListStatsView));
            else Table(scope.Stdout, views);
            return 0;
        }
        // A tick's lines arrive together, one per sandbox; a new tick starts when a sandbox comes round again.
        var tick = new List<StatsView>();
        var redraw = !Console.IsOutputRedirected && !json;
        await scope.Client.StreamStatsAsync(ids, view =>
        {
            if (json)
            {
                scope.Stdout.WriteLine(JsonSerializer.Serialize(view, ApiJson.Default.StatsView));
                scope.Stdout.Flush();
                return;
            }
            if (tick.Any(v => v.Id == view.Id))
            {
                if (redraw) scope.Stdout.Write("\u001b[H\u001b[2J");
                Table(scope.Stdout, tick);
                scope.Stdout.Flush();
                tick.Clear();
            }
            tick.Add(view);
        });
        if (tick.Count > 0) Table(scope.Stdout, tick);
        return 0;
    });

    private static void Table(TextWriter o, IReadOnlyList<StatsView> views)
    {
        o.WriteLine($"{"ID",-16}  {"NAME",-16}  {"STATE",-8}  {"CPU %",6}  {"MEM / LIMIT",-21}  {"MEM %",5}  {"PIDS",4}  {"UPTIME",8}  {"RUN",3}  {"GUEST MEM",-21}  {"FUEL",-15}  {"OUTPUT",-21}  {"DISK",-21}  {"FDS",-9}");
        foreach (var v in views)
        {
            var limit = v.MemoryLimitBytes is { } l ? ByteSize.Format(l) : "-";
            var percent = v.MemoryLimitBytes is { } cap && cap > 0 ? (100.0 * v.MemoryBytes / cap).ToString("0.0", CultureInfo.InvariantCulture) : "-";
            var g = v.Guest;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{v.Id,-16}  {Trim(v.Name ?? "", 16),-16}  {v.State,-8}  {v.CpuPercent,6:0.0}  {ByteSize.Format(v.MemoryBytes) + " / " + limit,-21}  {percent,5}  {v.Pids?.ToString(CultureInfo.InvariantCulture) ?? "-",4}  {v.UptimeSeconds,7:0.0}s  {v.Run,3}  {Against(g?.MemoryBytes, g?.MemoryLimitBytes, ByteSize.Format),-21}  {Against(g?.FuelConsumed, g?.FuelLimit, Count),-15}  {Against(g?.OutputBytes, g?.MaxOutputBytes, ByteSize.Format),-21}  {Against(g?.DiskWrittenBytes, g?.MaxDiskWriteBytes, ByteSize.Format),-21}  {Against(g?.OpenFds, g?.MaxOpenFiles, n => n.ToString(CultureInfo.InvariantCulture)),-9}"));
        }
    }

    /// <summary>"used / limit", "used" without a limit, "-" when the worker has not counted it.</summary>
    private static string Against<T>(T? used, T? limit, Func<T, string> format) where T : struct =>
        used is not { } u ? "-" : limit is { } l ? $"{format(u)} / {format(l)}" : format(u);

    private static string Against(long? used, long? limit, Func<long, string> format) =>
        Against<long>(used, limit, format);

    /// <summary>A large count in short form: 950, 12.3K, 4.1M, 2.0G.</summary>
    private static string Count(ulong n) => n switch
    {
        < 1_000 => n.ToString(CultureInfo.InvariantCulture),
        < 1_000_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        < 1_000_000_000 => (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        _ => (n / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "G",
    };

    private static string Trim(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}
