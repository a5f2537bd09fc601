"""Validation of grid requests with real Django forms."""

from django import forms


class CellForm(forms.Form):
    framework = forms.IntegerField(min_value=1)
    pupil = forms.IntegerField(min_value=1)
    objective = forms.IntegerField(min_value=1)
    code = forms.CharField(required=False, max_length=3, strip=True)
    version = forms.IntegerField(min_value=0)
    note = forms.CharField(required=False, max_length=2000, strip=True)
    # For an objective not yet taught: "1" marks it taught, "0" rates without marking.
    mark_taught = forms.TypedChoiceField(
        choices=[("", ""), ("1", "1"), ("0", "0")],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )


class BulkForm(forms.Form):
    framework = forms.IntegerField(min_value=1)
    objective = forms.IntegerField(
        min_value=1, label="Objective", error_messages={"required": "Choose an objective."}
    )
    code = forms.CharField(
        max_length=3, strip=True, label="Rating", error_messages={"required": "Choose a rating."}
    )
    pupils = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False, label="Pupils")
    every_pupil = forms.BooleanField(required=False)
    versions = forms.CharField(required=False)
    confirm = forms.BooleanField(required=False)
    mark_taught = forms.TypedChoiceField(
        choices=[("", ""), ("1", "1"), ("0", "0")],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: object, pupil_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["pupils"].choices = [(str(pid), str(pid)) for pid in pupil_ids]  # type: ignore[attr-defined]
        self.fields["pupils"].error_messages["invalid_choice"] = (
            "Pupil %(value)s is not in this class."
        )

    def clean_versions(self) -> dict[tuple[int | None, int], int]:
        """Parse the versions the page showed: 'objective:pupil:version' entries.

        'pupil:version' (two parts) means the chosen objective.
        """
        raw = self.cleaned_data.get("versions", "")
        result: dict[tuple[int | None, int], int] = {}
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                numbers = [int(x) for x in part.split(":")]
            except ValueError:
                numbers = []
            if len(numbers) == 3:
                result[(numbers[0], numbers[1])] = numbers[2]
            elif len(numbers) == 2:
                result[(None, numbers[0])] = numbers[1]
            else:
                raise forms.ValidationError(
                    f"The page sent a version entry it should not have ({part[:40]!r}); "
                    "reload the page and try again."
                )
        return result

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.errors:
            return data
        versions = data.get("versions") or {}
        if data.get("every_pupil") and not data.get("pupils"):
            # "Every pupil shown": the pupils whose versions the page sent.
            data["pupils"] = sorted({pid for (_, pid) in versions})
        if not data.get("pupils"):
            raise forms.ValidationError(
                "Tick at least one pupil (or every pupil shown) to give them this rating.",
                code="no_pupils",
            )
        objective = data.get("objective")
        seen: dict[int, int] = {}
        missing = []
        for pid in data["pupils"]:
            if (objective, pid) in versions:
                seen[pid] = versions[(objective, pid)]
            elif (None, pid) in versions:
                seen[pid] = versions[(None, pid)]
            else:
                missing.append(pid)
        if missing:
            raise forms.ValidationError(
                "The page did not say which ratings you saw for every ticked pupil, so nothing "
                "was saved (nothing is overwritten unseen). Reload the page and try again.",
                code="versions_missing",
            )
        data["seen"] = seen
        return data


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
