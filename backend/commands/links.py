"""Commands of verified links between WeChat accounts and clients (关联服务对象)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkInPerson:
    """Link the account whose code the resident shows, after staff saw their ID document."""

    link_code: str
    relation: str  # a LINK_RELATIONS code
    id_document_checked: bool  # the service refuses False: nobody is linked unseen
    note: str = ""


@dataclass(frozen=True)
class LinkByPhone:
    """Link one's own account: WeChat's phone number, name and ID number must match the record."""

    phone_code: str  # the code of the mini-program's getPhoneNumber button
    name: str  # the client's name as registered
    id_number: str  # the client's ID number
    relation: str = "self"  # self, or guardian of a minor (the guardian's phone is on record)


@dataclass(frozen=True)
class AttachApplicant:
    """Give an application filed at the window the account of the applicant standing there."""

    link_code: str
    id_document_checked: bool


@dataclass(frozen=True)
class Unlink:
    """End a link; the reason goes to the audit trail."""

    reason: str = ""
