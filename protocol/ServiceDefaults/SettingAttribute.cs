using System.Collections;
using System.ComponentModel.DataAnnotations;

namespace Atlas.Hosting;

/// <summary>A check of one setting (a string or each entry of a string list) for the options validator source
/// generator (<c>[OptionsValidator]</c>). The error message names the setting; <c>{0}</c> is the bad value.
/// (The generator's copy of [Range] ignores ErrorMessage, so ranges keep its "The field Type.Member must be
/// between …" wording, which names the setting too.)</summary>
public abstract class SettingAttribute(string errorMessage) : ValidationAttribute(errorMessage)
{
    protected abstract bool IsValidValue(string value);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        IEnumerable<string> values = value switch
        {
            null => [],
            string s => [s],
            IEnumerable e => e.Cast<object?>().Select(o => o?.ToString() ?? ""),
            _ => [value.ToString() ?? ""],
        };
        foreach (var v in values)
        {
            if (!IsValidValue(v))
            {
                // No member names: the message names the setting itself (the validator would prefix "Member: ").
                return new ValidationResult(string.Format(System.Globalization.CultureInfo.InvariantCulture, ErrorMessageString, v));
            }
        }
        return ValidationResult.Success;
    }
}
