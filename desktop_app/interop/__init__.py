"""Exchange with other systems: the FHIR R4 export of a signed exam.

Reads the domain; never imports the UI. `fhir.build_bundle` is pure; `source` is the one
place that knows where a stored exam and its signed note come from.
"""
