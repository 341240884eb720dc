"""The one place where the local stack changes a state machine definition before moto reads it.

moto 5.2.5's parser refuses an integer ToleratedFailurePercentage ("no viable alternative"),
which AWS takes as any number from 0 to 100. It accepts the same value written as a decimal,
then ignores it: locally a failed item never fails a Distributed Map. The CSV import asks for
100 (every part runs to its end), so the local run behaves as AWS does. Pinned by
tests/unit/test_local_state_machines.py; the README's "Local stack versus AWS" table says so.
"""

import json

TOLERANCE_FIELD = "ToleratedFailurePercentage"


def for_moto(definition: str) -> str:
    """`definition` (ASL JSON text) with every integer ToleratedFailurePercentage as a decimal."""
    return json.dumps(_rewrite(json.loads(definition)))


def _rewrite(node):
    if isinstance(node, dict):
        return {
            key: float(value)
            if key == TOLERANCE_FIELD and isinstance(value, int)
            else _rewrite(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(value) for value in node]
    return node
