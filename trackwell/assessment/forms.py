"""Validation of grid requests with real Django forms."""

from django import forms


class CellForm(forms.Form):
    framework = forms.IntegerField(min_value=1)
    pupil = forms.IntegerField(min_value=1)
    objective = forms.IntegerField(min_value=1)
    code = forms.CharField(required=False, max_length=3, strip=True)
    version = forms.IntegerField(min_value=0)
    note = forms.CharField(required=False, max_length=2000, strip=True)


class BulkForm(forms.Form):
    framework = forms.IntegerField(min_value=1)
    objective = forms.IntegerField(min_value=1)
    code = forms.CharField(max_length=3, strip=True)
    pupils = forms.TypedMultipleChoiceField(coerce=int, choices=())
    versions = forms.CharField(required=False)

    def __init__(self, *args: object, pupil_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["pupils"].choices = [(str(pid), str(pid)) for pid in pupil_ids]  # type: ignore[attr-defined]
        self.fields["pupils"].error_messages["invalid_choice"] = (
            "Pupil %(value)s is not in this class."
        )

    def clean_versions(self) -> dict[int, int] | None:
        """Parse 'pupil:version,pupil:version' into a mapping, if sent."""
        raw = self.cleaned_data.get("versions", "")
        if not raw:
            return None
        result = {}
        for part in raw.split(","):
            try:
                pid, version = part.split(":")
                result[int(pid)] = int(version)
            except ValueError as exc:
                raise forms.ValidationError(
                    f"Bad version entry {part!r}; expected pupil:version."
                ) from exc
        return result


class TaughtForm(forms.Form):
    """`mark` is 'objective:1' to mark taught or 'objective:0' to mark not yet taught."""

    framework = forms.IntegerField(min_value=1)
    mark = forms.RegexField(
        regex=r"^\d+:[01]$", error_messages={"invalid": "Expected objective:1 or objective:0."}
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if "mark" in data:
            objective, flag = data["mark"].split(":")
            data["objective"] = int(objective)
            data["taught"] = flag == "1"
        return data
