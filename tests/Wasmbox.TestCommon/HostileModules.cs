namespace Wasmbox.TestCommon;

/// <summary>
/// Modules that attack the compiler rather than the sandbox, built byte by byte (too large to commit usefully, and
/// their shape is the point). Each is a valid core module with an exported <c>_start</c> and a memory.
/// </summary>
public static class HostileModules
{
    /// <summary><paramref name="count"/> functions of type [] → [] whose bodies are just <c>end</c>: 100,000 of them took 8–15 s to compile.</summary>
    public static byte[] ManyEmptyFunctions(int count) => Module(count, _ => [0x00, 0x0B]);

    /// <summary>One function whose body nests <paramref name="depth"/> empty blocks.</summary>
    public static byte[] DeepNesting(int depth) => Module(1, _ =>
    {
        var body = new List<byte> { 0x00 }; // no locals
        for (var i = 0; i < depth; i++) body.AddRange([0x02, 0x40]); // block (empty type)
        for (var i = 0; i < depth; i++) body.Add(0x0B); // end
        body.Add(0x0B); // the function's end
        return [.. body];
    });

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="name"/> in <paramref name="dir"/> and returns its path.</summary>
    public static string Save(TempDir dir, string name, byte[] bytes)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// <code>
    /// \0asm 1 | type: [ () → () ] | function: count × type 0 | memory: 1 page | export: "_start" func 0, "memory" mem 0
    /// | code: count × (size, body)
    /// </code>
    /// </summary>
    private static byte[] Module(int count, Func<int, byte[]> body)
    {
        var m = new List<byte> { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00 };
        Section(m, 1, [0x01, 0x60, 0x00, 0x00]);
        var functions = new List<byte>(Leb(count));
        for (var i = 0; i < count; i++) functions.Add(0x00);
        Section(m, 3, [.. functions]);
        Section(m, 5, [0x01, 0x00, 0x01]);
        Section(m, 7, [0x02, 0x06, .. "_start"u8, 0x00, 0x00, 0x06, .. "memory"u8, 0x02, 0x00]);
        var code = new List<byte>(Leb(count));
        for (var i = 0; i < count; i++)
        {
            var b = body(i);
            code.AddRange(Leb(b.Length));
            code.AddRange(b);
        }
        Section(m, 10, [.. code]);
        return [.. m];
    }

    private static void Section(List<byte> module, byte id, byte[] content)
    {
        module.Add(id);
        module.AddRange(Leb(content.Length));
        module.AddRange(content);
    }

    private static byte[] Leb(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        do
        {
            var b = (byte)(v & 0x7F);
            v >>= 7;
            bytes.Add(v != 0 ? (byte)(b | 0x80) : b);
        } while (v != 0);
        return [.. bytes];
    }
}
