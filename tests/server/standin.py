"""Office's custom-functions runtime, stood in for (it exists only inside Excel): the one
JavaScript snippet the Node and Chromium tests load before the add-in's script. It records each
function the script registers (``CustomFunctions.associate``), gives ``CustomFunctions.Error``
and its codes, counts the requests the script makes, and ``recalc(cases)`` runs one
recalculation: every cell's call made before any answer arrives."""

RUNTIME = r"""
globalThis.registered = {};
class OfficeError { constructor(code, message) { this.code = code; this.message = message; } }
globalThis.CustomFunctions = {
  associate: (id, fn) => { registered[id] = fn; },
  Error: OfficeError,
  ErrorCode: {invalidValue: "#VALUE!", notAvailable: "#N/A", invalidNumber: "#NUM!",
              divisionByZero: "#DIV/0!", invalidReference: "#REF!", invalidName: "#NAME?",
              nullReference: "#NULL!"},
};
globalThis.requests = 0;
const realFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = (...a) => { globalThis.requests += 1; return realFetch(...a); };
globalThis.recalc = (cases) => Promise.allSettled(cases.map(([name, args]) =>
    registered[name.replace(/^RR_/, "")](...args.map(a => Array.isArray(a) ? a : [[a]]))))
  .then(rs => ({registered: Object.keys(registered), requests: globalThis.requests,
                out: rs.map(r => r.status === "fulfilled" ? {value: r.value}
                                 : {error: {code: r.reason.code, text: r.reason.message}})}));
"""
