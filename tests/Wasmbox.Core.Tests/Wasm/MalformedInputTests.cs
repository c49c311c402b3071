using Wasmbox.Core.Wasm;

namespace Wasmbox.Core.Tests.Wasm;

/// <summary>
/// Odd, unknown or malformed input leaves the module alone with a reason, and never throws.
/// </summary>
public class MalformedInputTests
{
    /// <summary>Builds a module with one memory and one function of type [] -> [] whose body is <paramref name="code"/>.</summary>
    private static byte[] ModuleWithBody(params byte[] code)
    {
        var body = new List<byte> { 0x00 }; // no locals
        body.AddRange(code);
        body.Add(0x0B);
        var codeSection = new List<byte> { 0x01, (byte)body.Count };
        codeSection.AddRange(body);

        var module = new List<byte> { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00 };
        module.AddRange([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type section: (func)
        module.AddRange([0x03, 0x02, 0x01, 0x00]); // function section
        module.AddRange([0x05, 0x03, 0x01, 0x00, 0x01]); // memory section: (memory 1)
        module.Add(0x0A);
        module.Add((byte)codeSection.Count);
        module.AddRange(codeSection);
        return [.. module];
    }

    [Fact]
    public void HandMadeModuleIsInstrumented()
    {
        var original = ModuleWithBody(0x41, 0x01, 0x40, 0x00, 0x1A); // i32.const 1 memory.grow drop
        Assert.Null(Wasmtime.Module.Validate(WasmTestHost.Engine, original));
        Assert.Equal(1, WasmTestHost.MustInstrument(original).GrowSitesReplaced);
    }

    [Fact]
    public void NonMinimalMemoryIndexZeroIsReplaced()
    {
        // memory.grow with its memory index written as the two-byte LEB128 0x80 0x00.
        var original = ModuleWithBody(0x41, 0x01, 0x40, 0x80, 0x00, 0x1A);
        Assert.Null(Wasmtime.Module.Validate(WasmTestHost.Engine, original));
        Assert.Equal(1, WasmTestHost.MustInstrument(original).GrowSitesReplaced);
    }

    [Theory]
    [InlineData(new byte[] { 0xE0, 0x00 }, "0xE0", 0x1C)] // stack switching cont.new, off by default
    [InlineData(new byte[] { 0x06, 0x40, 0x0B }, "0x06", 0x1C)] // legacy exception handling try
    [InlineData(new byte[] { 0x01, 0xFD, 0x94, 0x02 }, "0xFD 0x114", 0x1D)] // first SIMD number past relaxed SIMD
    [InlineData(new byte[] { 0xFD, 0x9A, 0x01 }, "0xFD 0x9A", 0x1C)] // a gap in the SIMD table
    [InlineData(new byte[] { 0xFC, 0x12 }, "0xFC 0x12", 0x1C)]
    [InlineData(new byte[] { 0xFB, 0x1F }, "0xFB 0x1F", 0x1C)]
    [InlineData(new byte[] { 0xFE, 0x04 }, "0xFE 0x4", 0x1C)]
    [InlineData(new byte[] { 0xFF }, "0xFF", 0x1C)]
    public void UnknownOpcodeIsNamedWithItsOffset(byte[] code, string opcode, int offset)
    {
        var original = ModuleWithBody(code);
        var result = WasmGrowInstrumenter.Instrument(original);

        Assert.False(result.Instrumented);
        Assert.Contains($"unknown opcode {opcode}", result.SkipReason);
        Assert.Contains($"0x{offset:X}", result.SkipReason);
        Assert.Equal(original, result.Bytes);
    }

    [Fact]
    public void OverLongSectionSizeIsNotInstrumented()
    {
        byte[] original = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x05, 0x83, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x00, 0x01];
        var result = WasmGrowInstrumenter.Instrument(original);

        Assert.False(result.Instrumented);
        Assert.Contains("longer than 5 bytes", result.SkipReason);
    }

    [Theory]
    [InlineData(new byte[] { 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1A }, "longer than 5 bytes")] // i32.const, six bytes
    [InlineData(new byte[] { 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x1A }, "not sign bits")] // i32.const, bad sign bits
    [InlineData(new byte[] { 0x3F, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1A }, "beyond its width")] // memory.size memidx
    public void OverLongImmediateIsNotInstrumented(byte[] code, string reason)
    {
        var result = WasmGrowInstrumenter.Instrument(ModuleWithBody(code));

        Assert.False(result.Instrumented);
        Assert.Contains(reason, result.SkipReason);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00 }, "not a core WebAssembly module")] // a component
    [InlineData(new byte[] { 0x7F, 0x45, 0x4C, 0x46, 0x01, 0x00, 0x00, 0x00 }, "bad magic")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D }, "bad magic")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x01, 0x01, 0x00 }, "out of order")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x0E, 0x00 }, "unknown section id 14")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x05, 0x04, 0x01, 0x00, 0x01, 0x00 }, "trailing bytes")]
    [InlineData(new byte[] { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x10, 0x01 }, "limits flags")]
    public void MalformedModulesAreNotInstrumented(byte[] original, string reason)
    {
        var result = WasmGrowInstrumenter.Instrument(original);

        Assert.False(result.Instrumented);
        Assert.Contains(reason, result.SkipReason);
        Assert.Equal(original, result.Bytes);
    }

    [Fact]
    public void BodyCountMismatchIsNotInstrumented()
    {
        var module = ModuleWithBody();
        module[^4] = 0x02; // claim two bodies in the code section
        var result = WasmGrowInstrumenter.Instrument(module);

        Assert.False(result.Instrumented);
        Assert.Contains("bodies", result.SkipReason);
    }

    [Fact]
    public void EveryTruncationAndByteFlipIsHandledWithoutThrowing()
    {
        var original = WasmTestHost.Wat("""
            (module $fuzz
              (type $t (func (param i32) (result i32)))
              (import "env" "m" (memory 1))
              (global $g (mut i32) (i32.const 3))
              (table 2 funcref)
              (elem (i32.const 0) $a $b)
              (func $a (type $t) (memory.grow (local.get 0)))
              (func $b (type $t)
                (block (result i32)
                  (v128.store (i32.const 0) (v128.const i32x4 1 2 3 4))
                  (br_table 0 0 (call_indirect (type $t) (local.get 0) (i32.const 0)))))
              (export "a" (func $a))
              (data (i32.const 8) "hello"))
            """);

        for (var length = 0; length < original.Length; length++)
        {
            CheckAgainstWasmtime(original.AsSpan(0, length).ToArray());
        }

        var random = new Random(1234);
        for (var round = 0; round < 20000; round++)
        {
            var mutated = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(8, mutated.Length)] = (byte)random.Next(256);
            }

            CheckAgainstWasmtime(mutated);
        }
    }

    /// <summary>
    /// Whatever the input, Instrument returns; a skipped module comes back unchanged; a module
    /// Wasmtime accepts is instrumented (unless it has no 32-bit memory 0) and stays valid.
    /// </summary>
    private static void CheckAgainstWasmtime(byte[] module)
    {
        var result = WasmGrowInstrumenter.Instrument(module);
        var originalError = Wasmtime.Module.Validate(WasmTestHost.Engine, module);
        if (!result.Instrumented)
        {
            Assert.Equal(module, result.Bytes);
            if (originalError is null)
            {
                Assert.True(
                    result.SkipReason!.Contains("no linear memory") || result.SkipReason.Contains("memory64"),
                    $"valid module skipped: {result.SkipReason} ({Convert.ToHexString(module)})");
            }
        }
        else if (originalError is null)
        {
            var error = Wasmtime.Module.Validate(WasmTestHost.Engine, result.Bytes);
            Assert.True(error is null, $"{error} ({Convert.ToHexString(module)})");
        }
    }
}
