"""Files on the draft and co-executor forms: new uploads and files already stored for the case.

The form only checks (``otklik.files.attachments.validate``: size and type limits from
settings, content sniffing); files are stored by :func:`attachments_with_files` around the
action, bound to the case, and removed again if the action fails. A rejected file leaves
the form bound: the text typed so far is shown back with the error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.conf import settings

from otklik.directory.models import file_kinds_for
from otklik.files import attachments as files_store
from otklik.ops.models import StoredFile


def max_files() -> int:
    return int(getattr(settings, "OTKLIK_ATTACHMENT_MAX_FILES", 10))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; ``clean`` returns the list of uploaded files."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


_ACCEPT = {"photo": "image/jpeg,image/png,image/gif,image/webp", "video": "video/*"}


class FilesMixin(forms.Form):
    """Adds ``new_files`` (uploads) and ``keep_files`` (the case's stored files to keep) to an ActionForm.

    ``cleaned_data["new_files"]`` holds checked :class:`~otklik.files.attachments.CleanFile` objects and
    ``cleaned_data["kept_files"]`` the attachment dicts of the kept stored files.
    """

    case: Any
    new_files = MultipleFileField(
        label="Файлы (фото, видео, документы)",
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,video/*,.pdf,.docx,.xlsx,.odt,.txt"}
        ),
    )
    keep_files = forms.MultipleChoiceField(
        label="Уже загруженные файлы обращения", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, keep_initial: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        limit = files_store._max_bytes()
        post = getattr(self.case, "primary_post", None)
        self._kinds, self._kinds_message = file_kinds_for(getattr(post, "network", ""), getattr(post, "source_key", ""))
        upload = self.fields["new_files"]
        size = f"До {max_files()} файлов, каждый не больше {limit / 1048576:.0f} МБ."
        if self._kinds is None:
            upload.help_text = f"{size} Допустимы JPEG, PNG, GIF, WebP, MP4, MOV, WebM, PDF, DOCX, XLSX, ODT, TXT."
        elif self._kinds:  # the network takes only some kinds: say so before the upload
            upload.help_text = f"{self._kinds_message}. {size}"
            upload.widget.attrs["accept"] = ",".join(_ACCEPT[k] for k in sorted(self._kinds))
        else:
            upload.help_text = f"{self._kinds_message}."
            upload.disabled = True
        self._stored = {
            row.name: row for row in StoredFile.objects.filter(case_id=self.case.pk).order_by("uploaded_at", "pk")
        }
        if not self._stored:
            del self.fields["keep_files"]
            return
        field = self.fields["keep_files"]
        field.choices = [(name, row.display_name) for name, row in self._stored.items()]  # type: ignore[attr-defined]
        field.initial = [n for n in keep_initial or () if n in self._stored]

    def clean_new_files(self) -> list[files_store.CleanFile]:
        uploads = self.cleaned_data.get("new_files") or []
        checked = []
        for upload in uploads:
            label = f"«{(upload.name or 'файл')[:80]}»"
            try:
                checked.append(files_store.validate_upload(upload))
            except files_store.AttachmentRejected as exc:
                raise forms.ValidationError(
                    f"{label}: {exc} Текст сохранён — выберите файлы заново и отправьте ещё раз."
                ) from None
        return checked

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kept = [files_store.attachment_of(self._stored[n]) for n in data.get("keep_files") or () if n in self._stored]
        data["kept_files"] = kept
        new = data.get("new_files") or []
        if len(kept) + len(new) > max_files():
            self.add_error("new_files", f"Слишком много файлов: не больше {max_files()} к одному ответу.")
            return data
        kinds, message = self._kinds, self._kinds_message
        if kinds is not None:
            wrong = [f.name for f in new if f.kind not in kinds] + [
                str(a["name"]) for a in kept if a["type"] not in kinds
            ]
            if wrong:
                self.add_error(
                    "new_files", f"{message}: {', '.join(wrong[:3])}. Уберите эти файлы или разместите ответ вручную."
                )
        return data


@contextmanager
def attachments_with_files(case: Any, user: Any, data: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The action's attachments: links, kept stored files and the new files (stored now, removed on failure)."""
    links = list(data.get("attachments") or ())
    with files_store.stored_for(case, user, data.get("new_files") or ()) as stored:
        yield [*links, *(data.get("kept_files") or ()), *stored]


def stored_names(items: Any) -> list[str]:
    """The stored-file names among a draft's attachments (to keep them ticked on the next version)."""
    names = (files_store.stored_name(item.get("url")) for item in items or () if isinstance(item, dict))
    return [name for name in names if name is not None]
