"""Validates a SEPA file against the official pain.001.001.03 XML schema
(the copy shipped in the `sepaxml` package). Prints `valid`, or the
schema's complaint and exits 1."""
import pathlib
import sys

import sepaxml
import xmlschema

xsd = pathlib.Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
schema = xmlschema.XMLSchema(str(xsd))
try:
    schema.validate(sys.argv[1])
except xmlschema.XMLSchemaException as e:
    print(f"invalid: {e}")
    sys.exit(1)
print("valid")
