namespace Wasmbox.Core.Wasm;

/// <summary>
/// A cheap look at an uploaded module, without compiling it: is it a core module (or WAT text), and does a binary export
/// <c>_start</c>? The daemon answers 422 at upload for what can never run, instead of failing a spawn later.
/// </summary>
public static class CommandShape
{
    /// <summary>
    /// A binary module's imports, from its import section alone (nothing is compiled): module name, field name, and
    /// whether it is a function. Null for a text module, or bytes that do not parse (the compiler names the problem).
    /// </summary>
    public static IReadOnlyList<(string Module, string Name, bool IsFunction)>? Imports(ReadOnlySpan<byte> module)
    {
        if (module.Length < 4 || !module[..4].SequenceEqual("\0asm"u8)) return null;
        try { return WasmModuleLayout.Read(module).Imports; }
        catch (Exception e) when (e is WasmFormatException or ArgumentException or OverflowException) { return null; }
    }

    /// <summary>Why the bytes cannot be a WASI command, in one clause; null when they may be one (the compile decides the rest).</summary>
    public static string? Problem(ReadOnlySpan<byte> module)
    {
        if (module.Length >= 4 && module[..4].SequenceEqual("\0asm"u8))
        {
            WasmModuleLayout layout;
            try { layout = WasmModuleLayout.Read(module); }
            catch (WasmFormatException e) { return $"it is not a valid WebAssembly module ({e.Message})"; }
            return layout.ExportNames.Contains("_start") ? null : "it exports no _start function, so it is not a WASI command (a reactor or a library?)";
        }
        var text = System.Text.Encoding.UTF8.GetString(module[..Math.Min(module.Length, 4096)]).TrimStart();
        while (text.StartsWith(";;", StringComparison.Ordinal))
        {
            var newline = text.IndexOf('\n');
            text = newline < 0 ? "" : text[(newline + 1)..].TrimStart();
        }
        return text.StartsWith("(module", StringComparison.Ordinal)
            ? null
            : "it is neither a WebAssembly binary (\\0asm) nor WebAssembly text ((module …))";
    }
}
