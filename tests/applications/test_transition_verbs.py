"""The transitions endpoint's actions, each turned into a command that one verb takes."""

from __future__ import annotations

import inspect

from backend.commands import applications as commands
from backend.services.applications import VERBS
from miniprogram_api.resources.applications.schemas import TRANSITIONS, TransitionSchema


def test_every_action_the_api_accepts_becomes_a_command_with_its_own_verb() -> None:
    built = {action: TransitionSchema().load({"action": action}) for action in TRANSITIONS}
    assert set(TRANSITIONS) == {"advance", "supplement", "reject", "approve",
                                "record_objection", "resolve_objection"}
    assert {type(command) for command in built.values()} == set(VERBS)
    assert len(set(VERBS.values())) == len(VERBS)
    for command_type, verb in VERBS.items():
        assert inspect.signature(verb).parameters["command"].annotation == command_type.__name__


def test_a_move_ignores_the_fields_it_does_not_use() -> None:
    command = TransitionSchema().load(
        {"action": "reject", "comment": "户籍不在本市", "missing_materials": ["id_card"]})
    assert command == commands.RejectApplication(reason="户籍不在本市")
