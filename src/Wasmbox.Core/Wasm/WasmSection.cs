namespace Wasmbox.Core.Wasm;

/// <summary>
/// One section of a module as found in the original bytes.
/// </summary>
/// <param name="Id">Section id (0 for custom sections).</param>
/// <param name="Start">Offset of the id byte.</param>
/// <param name="ContentStart">Offset of the first content byte, after the size.</param>
/// <param name="ContentLength">Size of the content in bytes.</param>
internal readonly record struct WasmSection(byte Id, int Start, int ContentStart, int ContentLength)
{
    /// <summary>Offset just past the section.</summary>
    public int End => ContentStart + ContentLength;
}

/// <summary>
/// Section ids and the order in which non-custom sections must appear.
/// </summary>
/// <remarks>
/// Ids are not in order: the tag section (13) sits between memory and global, and the data
/// count section (12) between element and code. New sections must be inserted by this order,
/// not by id, or Wasmtime rejects the module.
/// </remarks>
internal static class WasmSectionId
{
    public const byte Custom = 0;
    public const byte Type = 1;
    public const byte Import = 2;
    public const byte Function = 3;
    public const byte Table = 4;
    public const byte Memory = 5;
    public const byte Global = 6;
    public const byte Export = 7;
    public const byte Start = 8;
    public const byte Element = 9;
    public const byte Code = 10;
    public const byte Data = 11;
    public const byte DataCount = 12;
    public const byte Tag = 13;

    /// <summary>Position of a non-custom section in the required order, or -1 for an unknown id.</summary>
    public static int OrderOf(byte id) => id switch
    {
        Type => 1,
        Import => 2,
        Function => 3,
        Table => 4,
        Memory => 5,
        Tag => 6,
        Global => 7,
        Export => 8,
        Start => 9,
        Element => 10,
        DataCount => 11,
        Code => 12,
        Data => 13,
        _ => -1,
    };
}
