// kpi_xl in real Pyodide under Node, installed and called as xlwings Lite does it.
//
// Reads one JSON request on stdin:
//   {pyodide_dir, micropip_wheel, wheels: [paths installed in this order],
//    runtime_dir: folder with xlwings' wasm runtime (wasm_runtime.py, config.py),
//    calls: [[func_name, args], ...]}
// and writes one JSON object: what micropip installed, the modules loaded, and for each
// call what the wasm runtime's custom_functions_call gave back to JavaScript.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const { loadPyodide } = await import(pathToFileURL(path.join(request.pyodide_dir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: request.pyodide_dir + path.sep, stdout: () => {}, stderr: () => {} });

// micropip is a Pyodide package fetched from Pyodide's CDN by loadPackage("micropip");
// the same wheel from PyPI is unpacked into site-packages instead.
pyodide.unpackArchive(new Uint8Array(fs.readFileSync(request.micropip_wheel)), "wheel");

// Local wheels go through the Emscripten file system, where micropip reads emfs: URLs.
pyodide.FS.mkdirTree("/wheels");
const urls = request.wheels.map((file) => {
  const target = "/wheels/" + path.basename(file);
  pyodide.FS.writeFile(target, fs.readFileSync(file));
  return "emfs:" + target;
});

// xlwings' wasm runtime imports custom_functions and custom_scripts from the working folder.
const home = "/home/pyodide";
for (const name of ["wasm_runtime.py", "config.py"]) {
  pyodide.FS.writeFile(`${home}/${name}`, fs.readFileSync(path.join(request.runtime_dir, name)));
}
pyodide.FS.mkdirTree(`${home}/custom_functions`);
pyodide.FS.writeFile(`${home}/custom_functions/__init__.py`, "from kpi_xl.udfs import *\n");
pyodide.FS.mkdirTree(`${home}/custom_scripts`);
pyodide.FS.writeFile(`${home}/custom_scripts/__init__.py`, "");

pyodide.globals.set("wheel_urls", pyodide.toPy(urls));
await pyodide.runPythonAsync(`
import os, sys
# the free noncommercial key of xlwings, which its Office.js code asks for (Lite's task
# pane puts its settings into os.environ the same way)
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
os.chdir("${home}")
sys.path.insert(0, "${home}")
import micropip
for url in wheel_urls:
    await micropip.install(url)
installed = sorted(micropip.list())
`);
const installed = pyodide.globals.get("installed").toJs();
const before = new Set(pyodide.runPython("import sys; sorted(sys.modules)").toJs());

const runtime = pyodide.pyimport("wasm_runtime");
const xlwingsVersion = pyodide.runPython("import xlwings; xlwings.__version__");
const results = [];
for (const [funcName, args] of request.calls) {
  // What the add-in's JavaScript hands to the wasm runtime for one custom-function call.
  const body = {
    client: "Office.js", func_name: funcName, args: args, caller_address: "[KPI.xlsx]Sheet1!C5",
    session_id: "lite", culture_info_name: "zh-CN", date_format: "yyyy/m/d",
    version: xlwingsVersion, runtime: "1.4",
  };
  const answer = await runtime.custom_functions_call(body);
  results.push(answer instanceof Map ? Object.fromEntries(answer) : answer);
}
const loaded = pyodide.runPython("import sys; sorted(sys.modules)").toJs();
process.stdout.write(JSON.stringify({
  python: pyodide.runPython("import sys; sys.version.split()[0]"),
  installed, loaded_before_calls: [...before], loaded, results,
}));
