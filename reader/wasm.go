//go:build wasip1

package main

import "unsafe"

// The WebAssembly interface (lib/cli/reader.ts): the host asks for an input buffer, writes the file into it, calls
// read, and copies the JSON result out. One call at a time; buffers live until the next call.
var (
	input  []byte
	output []byte
)

//go:wasmexport kfws_input
func kfwsInput(size int32) unsafe.Pointer {
	input = make([]byte, size+1)
	return unsafe.Pointer(&input[0])
}

//go:wasmexport kfws_read
func kfwsRead(size int32, maxOutput int32) int32 {
	data := input[:size]
	output = marshal(Read(data, Limits{MaxOutput: int(maxOutput)}))
	input = nil
	return int32(len(output))
}

//go:wasmexport kfws_output
func kfwsOutput() unsafe.Pointer {
	if len(output) == 0 {
		return nil
	}
	return unsafe.Pointer(&output[0])
}

//go:wasmexport kfws_release
func kfwsRelease() {
	output = nil
}

func main() {}
